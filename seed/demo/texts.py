"""What the demo's cases say: places, matters, summaries, details, outcomes and reasons."""

# fmt: off
PLACES = {
    "CS": [
        "the Brisbane City service centre", "the Logan service centre",
        "the Ipswich service centre", "the Sunshine Coast service centre",
        "the Gold Coast service centre", "the Chermside customer counter", "the 13 QGOV line",
    ],
    "RO": [
        "the Cairns regional office", "the Townsville regional office",
        "the Toowoomba district office", "the Rockhampton district office",
        "the Mackay district office", "the Mount Isa office", "the Roma office",
        "the Bundaberg district office",
    ],
    "DS": [
        "the online services portal", "the learner records system", "the MyAccount app",
        "the online payment page", "the service desk", "the secure document upload page",
    ],
}
MATTERS = [
    "permit application", "licence renewal", "concession application", "grant application",
    "registration renewal", "fee waiver request", "rebate claim", "change of address",
    "inspection booking", "land access request",
]

COMPLAINT_SUMMARIES = {
    "service_quality": [
        "Poor service at {place} when lodging {a_matter}",
        "Sent away from {place} without help on my {matter}",
        "Conflicting advice from different officers about {a_matter}",
        "Had to come back three times to finish {a_matter}",
    ],
    "staff_conduct": [
        "Officer at {place} was rude and dismissive",
        "Staff member raised their voice at me at {place}",
        "Officer made an inappropriate comment about my family",
        "Field officer did not show identification at an inspection",
    ],
    "timeliness": [
        "My {matter} is still not processed after {weeks} weeks",
        "No reply to my emails about my {matter} for {weeks} weeks",
        "Inspection booking cancelled twice at short notice",
        "Refund promised {weeks} weeks ago has not been paid",
    ],
    "decision": [
        "Disagree with the refusal of my {matter}",
        "My {matter} was refused without reasons",
        "Fee waiver refused although I hold a concession card",
        "Decision on my {matter} was based on wrong information",
    ],
    "policy": [
        "New identification rules make {a_matter} impossible for me",
        "Requiring original documents is unfair to rural residents",
        "Cash payments no longer accepted at {place}",
    ],
    "information": [
        "Website information about the {matter} is out of date",
        "Letter about my {matter} was confusing and contradictory",
        "Nobody told me my {matter} needed supporting documents",
    ],
    "access": [
        "No wheelchair access at {place}",
        "No interpreter provided for my appointment at {place}",
        "Online form does not work with a screen reader",
        "Waited over an hour in the queue on the 13 QGOV line",
    ],
    "fees": [
        "Charged twice for {a_matter}",
        "Late fee applied although I paid on time",
        "Fee increase for {a_matter} was not explained",
    ],
    "privacy": [
        "My details were sent to another person's email address",
        "Officer discussed my {matter} in front of other customers",
        "Letter about my {matter} was delivered to the wrong address",
    ],
    "facilities": [
        "Car park at {place} closed without notice",
        "Air conditioning broken in the waiting area at {place}",
        "Toilets at {place} closed for weeks",
    ],
}
COMPLAINT_DETAILS = {
    "service_quality":
        "The officer did not know the process and could not tell me what would happen next.",
    "staff_conduct":
        "The officer spoke over me and told me to stop wasting their time in front of others.",
    "timeliness":
        "Each time I call I am told someone will call me back, but nobody does.",
    "decision":
        "I provided everything asked for and the decision ignores the documents I gave.",
    "policy":
        "I live four hours from the nearest office and cannot take days off to show documents.",
    "information":
        "The website says one thing, the letter another, and the phone line something else.",
    "access": "I needed help to get my request in and there was no other way to do it.",
    "fees":
        "My bank statement shows the payment went through, yet a reminder came with a penalty.",
    "privacy": "I am very worried about who else has seen my personal information.",
    "facilities": "Older customers had to wait outside in the heat with nowhere to sit.",
}
IMPACTS = [
    "This has caused me a great deal of stress.",
    "I have had to take two days off work because of this.",
    "As a pensioner this is a real hardship for me.",
    "My business cannot operate until this is sorted out.",
    "My elderly mother depends on this and is very upset.",
    "I have now spent hours on the phone trying to fix this.",
    "",
]
OUTCOMES_SOUGHT = {
    "service_quality": ["An apology and someone to finish my {matter}.",
                        "Better training for counter staff."],
    "staff_conduct": ["An apology from the officer.", "I want the officer's behaviour addressed."],
    "timeliness": ["A decision on my {matter} this month.", "The refund paid and an explanation."],
    "decision": ["A fresh decision on my {matter}.",
                 "The decision reversed and the reasons explained."],
    "policy": ["Another way to prove my identity.",
               "The policy reviewed for people in the regions."],
    "information": ["Clear written information about what I need to provide.",
                    "The website corrected."],
    "access": ["An accessible way to lodge my request.",
               "An interpreter booked for my next appointment."],
    "fees": ["A refund of the duplicate charge.", "The late fee removed."],
    "privacy": ["To know who saw my details and that it will not happen again.", "An apology."],
    "facilities": ["The problem fixed.", "Some shade and seating for people waiting."],
}
COMPLIMENT_SUMMARIES = [
    "Thanks to {officer} at {place} for going above and beyond",
    "Excellent help with my {matter}",
    "Quick and friendly service at {place}",
    "Thank you for the clear letter about my {matter}",
    "{officer} explained my {matter} patiently and kindly",
]
SUGGESTION_SUMMARIES = [
    "Offer appointments at {place} after 5 pm",
    "Add a progress tracker for each {matter} to the online portal",
    "Send SMS reminders before inspections",
    "Provide forms in more community languages",
    "Let customers upload documents instead of posting them",
    "Add a call-back option to the 13 QGOV queue",
]
REFERRALS_BY_CATEGORY = {
    "privacy": ["privacy_breach"],
    "staff_conduct": ["employee_misconduct", "corrupt_conduct", "employee_complaint"],
    "decision": ["statutory_review", "other_department"],
}
OUTCOME_REASONS = {
    "withdrawn": [
        "The complainant withdrew the complaint by phone after the {matter} was processed.",
        "The complainant advised in writing that the matter had been resolved and withdrew.",
    ],
    "declined": [
        "The matter was more than twelve months old and no new information was provided.",
        "The issue is subject to a statutory review right; the complainant was told how to apply.",
        "The same issue was investigated and finalised earlier; no new information was raised.",
    ],
}
EXTENSION_REASONS = [
    "Several business areas are involved and records must be obtained from {place}.",
    "The complaint raises several issues and witness statements are still being taken.",
    "Independent technical advice has been sought on the {matter} decision.",
    "Key officers are on leave and must be interviewed before a decision is made.",
]
REVIEW_FINDINGS = {
    "original_confirmed":
        "The process was fair and the original decision was open on the evidence.",
    "decision_changed":
        "Relevant information was not considered; the outcome is changed to {outcome}.",
    "referred_back":
        "The reasons given did not address all issues; referred back for a fresh decision.",
}
LATE_REASONS = [
    "The complainant was in hospital when the response was sent.",
    "The response was posted to an old address and received late.",
]
EXTERNAL_OUTCOMES = [
    "No further action: the department's handling was reasonable.",
    "Resolved informally after the department apologised and explained its decision.",
    "Recommendations made to improve written reasons; the department accepted them.",
]

TICKET_SUMMARIES = {
    "1": [
        "Portal unavailable for all users",
        "Learner records system returns an error for every login",
        "Single sign-on down: nobody can log in",
        "Payment page down for all staff",
        "Database connection failures across the whole site",
    ],
    "2": [
        "Certificate generation fails for some learners",
        "Reports module times out for large date ranges",
        "Bulk enrolment upload rejects valid files",
        "Email notifications are not being sent",
        "Staff at one site cannot open course materials",
    ],
    "3a": [
        "Typo in the enrolment confirmation email",
        "User guide screenshots are out of date",
        "Date picker shows dates in US format",
        "CSV export drops the last column heading",
        "Help link on the dashboard goes to a missing page",
    ],
    "3b": [
        "How do I reset a learner's password?",
        "Question about the bulk enrolment template",
        "How to export completion reports for a date range",
        "Request for the administrator guide for a new coordinator",
        "How do we change our organisation's logo?",
    ],
}
TICKET_DETAILS = {
    "1": "Since about {clock} nobody at {org} can use the system: {users} users are affected.",
    "2": "Since {clock} some of our {users} users have had this problem; the rest can work.",
    "3a": "Noticed by one of our coordinators; not urgent but confusing for users.",
    "3b": "Could you please send instructions or point us to the right document?",
}

# fmt: on
