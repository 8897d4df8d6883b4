"""What the portal knows about a phone number: the leads, contacts and companies holding it.

Read by `reader.read_facts`, judged by `rules.decide`; plain frozen values, so the rules can be
tested with hand-built facts.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Company:
    id: int
    title: str = ""
    responsible: int | None = None
    status: str | None = None  # xml_id of the status field's item (the default when empty)


@dataclass(frozen=True)
class Contact:
    id: int
    name: str = ""
    responsible: int | None = None
    companies: tuple[int, ...] = ()  # crm.contact.company.items.get


@dataclass(frozen=True)
class Lead:
    id: int
    title: str = ""
    responsible: int | None = None


@dataclass(frozen=True)
class Facts:
    """Everything holding the number; `linked` are the companies of those contacts."""

    phone: str
    companies: tuple[Company, ...] = ()
    contacts: tuple[Contact, ...] = ()
    leads: tuple[Lead, ...] = ()
    linked: tuple[Company, ...] = ()
    truncated: bool = False  # the portal gave 20 of a kind: there may be more

    def company(self, company_id: int) -> Company | None:
        for company in (*self.companies, *self.linked):
            if company.id == company_id:
                return company
        return None


@dataclass(frozen=True)
class Candidate:
    """One way the number is held, as the rules see it (owner kind, responsible, status)."""

    owner: str  # model.OWNERS
    entity_type: str  # COMPANY, CONTACT, LEAD: what the number is on
    entity_id: int
    title: str
    responsible: int | None
    status: str | None = None
    company_id: int | None = None  # company_contact: the company judged
    company_title: str = ""

    @property
    def sort_key(self) -> tuple[int, int]:
        return self.entity_id, self.company_id or 0


def candidates(facts: Facts) -> tuple[Candidate, ...]:
    """Every candidate in the facts, in a fixed order (by owner kind, then ids)."""
    out = [Candidate("company", "COMPANY", c.id, c.title, c.responsible, c.status)
           for c in facts.companies]
    for contact in facts.contacts:
        linked = [facts.company(cid) for cid in contact.companies]
        if not contact.companies:
            out.append(Candidate("contact", "CONTACT", contact.id, contact.name,
                                 contact.responsible))
        for cid, company in zip(contact.companies, linked, strict=True):
            out.append(Candidate("company_contact", "CONTACT", contact.id, contact.name,
                                 company.responsible if company else None,
                                 company.status if company else None, cid,
                                 company.title if company else ""))
    out.extend(Candidate("lead", "LEAD", lead.id, lead.title, lead.responsible)
               for lead in facts.leads)
    return tuple(sorted(out, key=lambda c: (c.owner, c.sort_key)))
