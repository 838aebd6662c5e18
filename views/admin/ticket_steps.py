"""The workflow steps of a ticket on its screens: assigning a support agent (or taking the
ticket), one ticket at a time or several from the grid."""

from typing import ClassVar

from flask import redirect
from flask_admin import expose
from flask_admin.actions import action
from wtforms import TextAreaField

from rules import workflow
from rules.errors import RuleViolation
from rules.vocabulary import SUPPORT_AGENT
from services import steps

from .workflow import Choice, Offered, WorkflowSteps, current_actor, officers_with, person_choices


def agent_field(default: str = "", leave_out: int | None = None) -> Choice:
    """The support agents a ticket may be assigned to: active accounts holding the capacity."""
    agents = [person for person in officers_with(SUPPORT_AGENT) if person.id != leave_out]
    return Choice(
        "Support agent",
        choices=person_choices(agents, "(choose)"),
        default=default,
        validate_choice=False,
        description="Only staff whose active account holds the support-agent capacity are "
        "offered.",
    )


def me_as_agent(actor: workflow.Actor) -> str:
    """The signed-in user preselected as the agent, when they are a support agent."""
    if SUPPORT_AGENT in actor.capacities and actor.participant_id is not None:
        return str(actor.participant_id)
    return ""


class TicketSteps(WorkflowSteps):
    stepper = steps.TICKET_STEPS
    # The bulk-assign page takes the assign agent step (for a permission table keyed by endpoint).
    endpoint_actions: ClassVar[dict] = {"bulk_assign_agent_view": "assign_agent"}

    def field_for(self, key, model, state, formdata):
        if key == "agent":
            me = me_as_agent(current_actor())
            return agent_field(
                default="" if me == str(model.agent_id) else me, leave_out=model.agent_id
            )
        if key == "reason":
            return TextAreaField("Reason")
        raise KeyError(key)

    def rule_inputs(self, name, form, model):
        inputs = super().rule_inputs(name, form, model)
        if name == "assign_agent":
            inputs["agent"] = steps.support_agent(form.agent.data)
        return inputs

    def workflow_panel(self, model) -> dict:
        panel = super().workflow_panel(model)
        me = me_as_agent(current_actor())
        offered = panel["steps"]
        for index, step in enumerate(offered):
            if step.name == "assign_agent" and me and me != str(model.agent_id or ""):
                # Taking a ticket is the assign agent step with the signed-in agent chosen.
                take = Offered(step.name, "Take it", step.url, False, (("agent", me),))
                offered.insert(index, take)
                break
        return panel

    # -- assigning several tickets at once ---------------------------------------------

    @action(
        "wait_on_client",
        "Wait on client",
        "Put the selected tickets on hold, waiting on the client? Their clocks stop.",
    )
    def action_wait_on_client(self, ids):
        self.bulk_step("wait_on_client", ids)

    @action("close", "Close", "Close the selected tickets?")
    def action_close(self, ids):
        self.bulk_step("close", ids)

    @action("assign_agent", "Assign or reassign agent…")
    def action_assign_agent(self, ids):
        return redirect(
            self.get_url(".bulk_assign_agent_view", ids=",".join(ids), url=self._list_url())
        )

    @expose("/bulk-assign-agent/", methods=("GET", "POST"))
    def bulk_assign_agent_view(self):
        def read_inputs(form):
            agent = steps.support_agent(form.agent.data)
            if agent is None:
                raise RuleViolation(
                    "Assigning needs the support agent who is to work the tickets."
                )
            return {"agent": agent}

        return self.bulk_form_view(
            "assign_agent",
            fields=lambda formdata: {"agent": agent_field(default=me_as_agent(current_actor()))},
            read_inputs=read_inputs,
            title="Assign agent",
            intro="The same support agent for each ticket below. Each ticket is checked "
            "and saved on its own: one refused is reported and the others go ahead.",
            submit="Assign",
            empty="Choose the tickets to assign in the list first.",
        )


# ------------------------------------------------------------------------ internal reviews
