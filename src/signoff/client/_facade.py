"""The registry and workflow of a remote server, as the CLI's commands call them locally.

Each method sends one request (or two: a transition reads the change request's ETag
first and sends it as ``If-Match``).  The acting person is the credential's: the
``actor`` arguments are the CLI's, checked against it before (``--as``).  What the API
does not offer yet is refused, naming the command, instead of opening a database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._admin import RemoteGovernance, RemoteNotify, RemotePortfolio, RemoteTokens
from ._http import Client
from ._parts import Part, RemoteLedger, RemoteMonitor, not_remote, seg
from ._records import Record, RemoteCR, RollbackRecord, records
from ._registry import RemoteRegistry

__all__ = ["RemoteSignoff"]


class RemoteWorkflow(Part):
    """Change requests, sign-offs, waivers, emergencies and rollback, through the API."""

    def __init__(self, client: Client, what: str, registry: RemoteRegistry) -> None:
        super().__init__(client, what)
        self._registry = registry
        self.governance = RemoteGovernance(client, what)

    def get_cr(self, cr: str) -> RemoteCR:
        return RemoteCR(self._client.json("GET", f"/api/crs/{seg(cr)}"))

    def list_crs(
        self,
        *,
        state: str | None = None,
        mine: str | None = None,
        waiting_for: str | None = None,
        overdue: bool = False,
    ) -> list[Any]:
        asked = {"state": state, "waiting_for": waiting_for, "requester": mine}
        params = {k: v for k, v in asked.items() if v}
        found = records(self._client.items("/api/crs", params), RemoteCR)
        if overdue:
            found = [c for c in found if c.emergency and (c.overdue or c.expired)]
        return found

    def _transition(self, cr: str, step: str, body: dict[str, Any] | None = None) -> RemoteCR:
        shown = self.get_cr(cr)
        path = f"/api/crs/{seg(shown.id)}/{step}"
        headers = {"If-Match": shown.etag}
        return RemoteCR(self._client.json("POST", path, json=body or {}, headers=headers))

    def open_cr(
        self, version: Any, *, to_stage: str, summary: str, actor: str, details: dict[str, Any]
    ) -> RemoteCR:
        body = {"version": str(version), "to_stage": to_stage, "summary": summary, **details}
        return RemoteCR(self._client.json("POST", "/api/crs", json=body))

    def submit(self, cr: str, *, actor: str) -> RemoteCR:
        return self._transition(cr, "submit")

    def deploy(self, cr: str, *, actor: str) -> RemoteCR:
        return self._transition(cr, "deploy")

    def sign(
        self,
        cr: str,
        *,
        actor: str,
        role: str,
        decision: str,
        comment: str,
        private_key: str | None = None,
        signer: Callable[[dict[str, Any]], str] | None = None,
    ) -> RemoteCR:
        """A sign-off; with ``signer`` (``cr sign --key``), signed here over the statement
        the core records — the server verifies it under the person's registered key."""
        if private_key is not None:
            raise not_remote("signing a sign-off without the signer")  # the CLI passes one
        shown = self.get_cr(cr)
        evidence = self._evidence(shown)
        body: dict[str, Any] = {
            "role": role,
            "decision": decision,
            "comment": comment,
            "shown_evidence": evidence,
        }
        if signer is not None:
            statement = {"cr": shown.id, "user": actor, "role": role, "decision": decision,
                         "comment": comment, "evidence": evidence}  # fmt: skip
            body["signature"] = signer(statement)
        path = f"/api/crs/{seg(shown.id)}/sign"
        headers = {"If-Match": shown.etag}
        return RemoteCR(self._client.json("POST", path, json=body, headers=headers))

    def _evidence(self, cr: RemoteCR) -> dict[str, str | None]:
        """The evidence hashes of the version as read now (what the sign-off rests on)."""
        ref = Record({"model": cr.model, "version": cr.version})
        audits = self._registry.list_audits(ref)
        latest = {a.kind: a.sha256 for a in self._registry.list_artifacts(ref)}
        return {
            "audit_results_sha256": audits[-1].results_sha256 if audits else None,
            "report_sha256": latest.get("audit_report"),
            "model_card_sha256": latest.get("model_card"),
        }

    def request_waiver(self, ref: Any, *, gate: str, reason: str, until: Any, actor: str) -> Record:
        path = f"/api/models/{seg(ref.model)}/versions/{seg(ref.version)}/waivers"
        body = {"gate": gate, "reason": reason, "until": until.date().isoformat()}
        return Record(self._client.json("POST", path, json=body))

    def grant_waiver(self, waiver: str, *, actor: str) -> Record:
        return Record(self._client.json("POST", f"/api/waivers/{seg(waiver)}/grant"))

    def list_waivers(self, ref: Any) -> list[Any]:
        return self._registry.list_waivers(ref)

    def open_emergency(
        self, version: Any, *, to_stage: str, incident: str, reason: str, actor: str
    ) -> RemoteCR:
        body = {"version": str(version), "to_stage": to_stage, "incident": incident}
        return RemoteCR(
            self._client.json("POST", "/api/emergencies", json={**body, "reason": reason})
        )

    def review_emergency(self, cr: str, *, findings: str, actions: str, actor: str) -> RemoteCR:
        body = {"findings": findings, "actions": actions}
        return RemoteCR(self._client.json("POST", f"/api/crs/{seg(cr)}/review", json=body))

    def rollback(
        self, model: str, *, actor: str, reason: str, to_version: str | None = None
    ) -> RollbackRecord:
        body = {"reason": reason, "to_version": to_version}
        found = self._client.json("POST", f"/api/models/{seg(model)}/rollback", json=body)
        return RollbackRecord(found)

    def withdraw(self, cr: str, *, actor: str, reason: str) -> RemoteCR:
        return self._transition(cr, "withdraw", {"reason": reason})

    def override_risk(self, cr: str, *, level: str, justification: str, actor: str) -> RemoteCR:
        body = {"level": level, "justification": justification}
        return self._transition(cr, "override-risk", body)

    def grant_role(self, name: str, role: str, *, actor: str) -> Record:
        path = f"/api/users/{seg(name)}/roles"
        return Record(self._client.json("POST", path, json={"role": role}))

    def decide_governance(self, gid: str, *, actor: str, approve: bool, comment: str) -> Record:
        return self.governance.decide(gid, approve=approve, comment=comment)

    def holder_at(self, model: str, at: Any, *, stage: str = "production") -> Any:
        params = {"when": at.isoformat(), "stage": stage}
        return self._client.json("GET", f"/api/models/{seg(model)}/at", params=params)["holder"]


class RemoteSignoff:
    """``signoff.connect``'s face for a server: ``registry``, ``workflow``, ``ledger``,
    ``monitor``, ``portfolio`` — the parts the API offers."""

    def __init__(self, client: Client, what: str) -> None:
        self.client = client
        self._what = what
        self.registry = RemoteRegistry(client, what)
        self.workflow = RemoteWorkflow(client, what, self.registry)
        self.ledger = RemoteLedger(client, what)
        self.monitor = RemoteMonitor(client, what)
        self.portfolio = RemotePortfolio(client, what)
        self.tokens = RemoteTokens(client, what)
        self.notify = RemoteNotify(client, what)

    def __getattr__(self, name: str) -> Any:
        raise not_remote(self._what)

    def me(self) -> dict[str, Any]:
        """Who the credential is (``GET /api/me``)."""
        found: dict[str, Any] = self.client.json("GET", "/api/me")
        return found

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> RemoteSignoff:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
