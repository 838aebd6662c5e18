"""The demo's canned paragraphs: what staff most often start a reply from.

Written to stand on their own, in plain English, with nothing to fill in: the officer
edits the reply around them before it goes.
"""

from sqlalchemy import select

from models import CannedParagraph

# (title, case kind or None for any case, text)
# fmt: off
CANNED_PARAGRAPHS = [
    (
        "Thank you for contacting us", None,
        "Thank you for taking the time to contact us. Your feedback helps us improve the "
        "services we deliver to Queenslanders.",
    ),
    (
        "We need more information", "complaint",
        "To look into your complaint properly, we need a little more information from you. "
        "Could you please reply to this email with any dates, places, names of officers "
        "and documents (such as letters, receipts or photographs) that relate to your "
        "complaint? While we wait for your reply, the time frame for finalising your "
        "complaint may be paused; we will tell you if it is.",
    ),
    (
        "Apology for the delay", None,
        "We apologise for the delay in responding to you. This is not the standard of "
        "service we aim to provide, and we have raised it with the team involved.",
    ),
    (
        "How we handle your personal information", "complaint",
        "We handle your personal information in line with the Information Privacy Act 2009 "
        "(Qld). We use it only to deal with your complaint, and share it only with the "
        "officers who need it to do so, or as the law requires.",
    ),
    (
        "Your right to an internal review", "complaint",
        "If you are not satisfied with our decision, you may ask for an internal review "
        "within 20 business days of receiving it. An officer who was not involved in your "
        "complaint will review how we handled it and the outcome. Simply reply to this "
        "email, quoting your reference number.",
    ),
    (
        "External review by the Queensland Ombudsman", "internal_review",
        "If you remain dissatisfied after our internal review, you may ask the Queensland "
        "Ombudsman for an external review. The Ombudsman can be contacted on 07 3005 7000 "
        "(toll free outside Brisbane 1800 068 908) or at ombudsman@ombudsman.qld.gov.au.",
    ),
    (
        "We are working on your ticket", "ticket",
        "Thank you for your patience. A support officer is working on your ticket and we "
        "will update you as soon as we have more to tell you. You do not need to log the "
        "issue again: replying to this email adds to your ticket.",
    ),
    (
        "Please confirm the fix", "ticket",
        "We believe the issue is now fixed. Could you please check on your side and reply "
        "to let us know? If we do not hear from you within five business days, we will "
        "close the ticket; you can reopen it by replying to this email.",
    ),
]
# fmt: on


def load_canned_paragraphs(session) -> int:
    """Add the paragraphs not already there (by title); returns how many were added."""
    have = set(session.scalars(select(CannedParagraph.title)))
    added = 0
    for title, case_kind, body in CANNED_PARAGRAPHS:
        if title in have:
            continue
        session.add(CannedParagraph(title=title, case_kind=case_kind, body=body, active=True))
        added += 1
    session.commit()
    return added
