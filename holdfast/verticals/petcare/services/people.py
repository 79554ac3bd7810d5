"""Services (the catalogue), walkers with availability and time off, clients with dogs, feedback."""
from __future__ import annotations

import datetime as dt

from django.db import transaction

from holdfast.core.audit.services import log_action
from holdfast.core.customers import services as customers
from holdfast.core.customers.models import Customer
from holdfast.core.events.services import emit, emit_stats_changed, notify, notify_members_with
from holdfast.core.inventory import services as inventory
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit import clock
from holdfast.kit.errors import Conflict, NotFound, ValidationFailed
from holdfast.kit import dates

from ..models import ACTIVE_STATES, Availability, ClientProfile, Dog, Feedback, Job, Service, TimeOff, Walker
from ._common import aware, check, clean_price, service_area, walker_of

# ---------------------------------------------------------------- services (the catalogue)

SERVICE_FIELDS = {"name", "description", "price_minor", "duration_minutes", "is_active"}


def _clean_service(data: dict) -> dict:
    errors = {}
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
        if not data["name"]:
            errors["name"] = ["A name is required."]
    if "price_minor" in data:
        try:
            data["price_minor"] = clean_price(data["price_minor"])
        except ValidationFailed as exc:
            errors.update(exc.fields)
        if data["price_minor"] is None:
            errors["price_minor"] = ["A price is required."]
    if "duration_minutes" in data:
        d = data["duration_minutes"]
        if isinstance(d, bool) or not isinstance(d, int) or not 5 <= d <= 24 * 60:
            errors["duration_minutes"] = ["Between 5 and 1440 minutes."]
    if errors:
        raise ValidationFailed("The service was not saved.", fields=errors)
    return data


def create_service(*, tenant, actor, name: str, price_minor: int, duration_minutes: int = 60, description: str = "", is_active: bool = True) -> Service:
    check(actor, tenant, "petcare.service.manage")
    data = _clean_service({"name": name, "price_minor": price_minor, "duration_minutes": duration_minutes})
    with transaction.atomic():
        if Service.objects.for_tenant(tenant).filter(name=data["name"]).exists():
            raise Conflict("A service with that name already exists.", code="service_name_taken")
        service = Service.objects.create(tenant=tenant, currency=tenant.currency, description=description or "", is_active=is_active, **data)
        log_action(tenant=tenant, actor=actor, entity=service, action="petcare.service.created", diff={"name": [None, service.name], "price_minor": [None, service.price_minor]})
        emit(tenant, "service:updated", {"service_id": service.pk, "created": True})
    return service


def update_service(*, tenant, actor, service_id: int, version: int | None = None, **changes) -> Service:
    """A price change applies to jobs without their own price that are not completed yet; completed
    jobs keep the price their invoice item snapshotted."""
    check(actor, tenant, "petcare.service.manage")
    unknown = set(changes) - SERVICE_FIELDS
    if unknown:
        raise ValidationFailed("The service was not saved.", fields={k: ["Not an editable service field."] for k in unknown})
    changes = _clean_service({k: v for k, v in changes.items() if v is not None})
    with transaction.atomic():
        service = get_owned(Service.objects.select_for_update(), tenant, service_id, what="service")
        if version is not None and version != service.version:
            raise Conflict(f"The service was changed by someone else (now version {service.version}).", code="stale_version", extra={"current_version": service.version})
        if "name" in changes and Service.objects.for_tenant(tenant).filter(name=changes["name"]).exclude(pk=service.pk).exists():
            raise Conflict("A service with that name already exists.", code="service_name_taken")
        diff = {k: [getattr(service, k), v] for k, v in changes.items() if getattr(service, k) != v}
        for key, value in changes.items():
            setattr(service, key, value)
        service.version += 1
        service.save()
        log_action(tenant=tenant, actor=actor, entity=service, action="petcare.service.updated", diff=diff)
        emit(tenant, "service:updated", {"service_id": service.pk, "version": service.version})
        emit_stats_changed(tenant, "services")
    return service


# ---------------------------------------------------------------- walkers

def create_walker(*, tenant, actor, user_id: int, name: str = "", phone: str = "", bio: str = "", years_experience: int = 0, skills: list | None = None,
                  service_ids: list[int] | None = None) -> Walker:
    """A staff member becomes bookable: their time is a resource on the business's service area."""
    check(actor, tenant, "petcare.staff.manage")
    from holdfast.core.accounts.models import Membership

    with transaction.atomic():
        membership = Membership.objects.for_tenant(tenant).filter(user_id=user_id, is_active=True).select_related("user").first()
        if membership is None:
            raise NotFound(f"No member with user id {user_id} in this business.", code="not_found")
        if Walker.objects.for_tenant(tenant).filter(user_id=user_id).exists():
            raise Conflict("That member is already a walker.", code="walker_exists")
        user = membership.user
        label = (name or user.full_name or user.email).strip()[:120]
        resource = inventory.create_resource(tenant=tenant, actor=actor, site_id=service_area(tenant, actor).pk, name=label, code=f"walker-{user.pk}")
        walker = Walker.objects.create(tenant=tenant, resource=resource, user=user, phone=phone[:40], bio=bio, years_experience=max(0, int(years_experience or 0)), skills=list(skills or []))
        if service_ids:
            walker.services.set(_services(tenant, service_ids))
        log_action(tenant=tenant, actor=actor, entity=walker, action="petcare.walker.created", diff={"user_id": [None, user.pk], "resource_id": [None, resource.pk]})
        emit(tenant, "staff:updated", {"walker_id": walker.pk, "created": True})
    return walker


def rotate_ical_link(*, tenant, actor, walker_id: int) -> Walker:
    """A new iCal feed link for a walker (by the walker, or an admin who manages staff): the token
    version in the signed link moves on, so every link handed out before answers 404. Audited."""
    with transaction.atomic():
        walker = get_owned(Walker.objects.select_for_update(of=("self",)).select_related("resource"), tenant, walker_id, what="walker")
        if actor is not None and walker.user_id != actor.pk:
            check(actor, tenant, "petcare.staff.manage")
        before = walker.ical_token_version
        walker.ical_token_version = before + 1
        walker.save(update_fields=["ical_token_version"])
        log_action(tenant=tenant, actor=actor, entity=walker, action="petcare.walker.ical_rotated", diff={"ical_token_version": [before, walker.ical_token_version]})
        emit(tenant, "staff:updated", {"walker_id": walker.pk, "action": "ical_rotated"})
    return walker


def _services(tenant, ids) -> list[Service]:
    found = list(Service.objects.for_tenant(tenant).filter(pk__in=set(ids)))
    if len(found) != len(set(ids)):
        raise ValidationFailed("Some services do not exist.", fields={"service_ids": ["Unknown service id."]})
    return found


def update_walker(*, tenant, actor, walker_id: int, **changes) -> Walker:
    check(actor, tenant, "petcare.staff.manage")
    allowed = {"phone", "bio", "years_experience", "skills", "service_ids", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed("The walker was not saved.", fields={k: ["Not an editable walker field."] for k in unknown})
    with transaction.atomic():
        walker = get_owned(Walker.objects.select_for_update(), tenant, walker_id, what="walker")
        diff = {}
        service_ids = changes.pop("service_ids", None)
        if service_ids is not None:
            before = sorted(walker.services.values_list("pk", flat=True))
            walker.services.set(_services(tenant, service_ids))
            diff["service_ids"] = [before, sorted(set(service_ids))]
        for key, value in changes.items():
            if value is not None and getattr(walker, key) != value:
                diff[key] = [getattr(walker, key), value]
                setattr(walker, key, value)
        walker.save()
        log_action(tenant=tenant, actor=actor, entity=walker, action="petcare.walker.updated", diff=diff)
        emit(tenant, "staff:updated", {"walker_id": walker.pk})
    return walker


def _parse_time(value, field: str) -> dt.time:
    if isinstance(value, dt.time):
        return value
    try:
        return dt.time.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed("A time is not valid.", fields={field: ["HH:MM."]}) from None


def set_availability(*, tenant, actor, walker_id: int, windows: list[dict]) -> list[Availability]:
    """Replace the walker's weekly availability: [{"day": "mon"|0, "start": "08:00", "end": "12:00"}, ...]."""
    check(actor, tenant, "petcare.staff.manage")
    from ..models import WEEKDAYS

    rows = []
    for n, w in enumerate(windows or []):
        day = w.get("day", w.get("weekday"))
        weekday = WEEKDAYS.index(day) if isinstance(day, str) and day in WEEKDAYS else day
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ValidationFailed("A day is not valid.", fields={f"windows[{n}].day": ["mon…sun or 0–6."]})
        start, end = _parse_time(w.get("start"), f"windows[{n}].start"), _parse_time(w.get("end"), f"windows[{n}].end")
        if end <= start:
            raise ValidationFailed("A window ends before it starts.", fields={f"windows[{n}].end": ["After the start."]})
        rows.append((weekday, start, end))
    with transaction.atomic():
        walker = get_owned(Walker.objects.select_for_update(), tenant, walker_id, what="walker")
        before = [(a.weekday, a.start_time.isoformat(), a.end_time.isoformat()) for a in walker.availability.all()]
        walker.availability.all().delete()
        created = Availability.objects.bulk_create([Availability(tenant=tenant, walker=walker, weekday=d, start_time=s, end_time=e) for d, s, e in sorted(rows)])
        log_action(tenant=tenant, actor=actor, entity=walker, action="petcare.walker.availability_set",
                   diff={"windows": [before, [(d, s.isoformat(), e.isoformat()) for d, s, e in sorted(rows)]]})
        emit(tenant, "availability:changed", {"walker_id": walker.pk})
    return created


def request_time_off(*, tenant, actor, walker_id: int, starts_at: dt.datetime, ends_at: dt.datetime, reason: str = "") -> TimeOff:
    """Staff ask for their own time off; an admin may enter it for anyone."""
    aware(starts_at, "starts_at"), aware(ends_at, "ends_at")
    if ends_at <= starts_at:
        raise ValidationFailed("The time off ends before it starts.", fields={"ends_at": ["After the start."]})
    with transaction.atomic():
        walker = walker_of(tenant, walker_id)
        if actor is not None and walker.user_id != actor.pk:
            check(actor, tenant, "petcare.staff.manage")
        else:
            check(actor, tenant, "petcare.timeoff.request")
        off = TimeOff.objects.create(tenant=tenant, walker=walker, starts_at=starts_at, ends_at=ends_at, reason=(reason or "")[:300])
        log_action(tenant=tenant, actor=actor, entity=off, action="petcare.time_off.requested", diff={"starts_at": [None, starts_at], "ends_at": [None, ends_at]})
        emit(tenant, "time_off:updated", {"time_off_id": off.pk, "walker_id": walker.pk, "status": off.status})
        notify_members_with(tenant, "petcare.staff.manage", event_type="time_off:updated", title=f"{walker} asks for time off",
                            body=f"{dates.short_moment(starts_at, tenant)} – {dates.short_moment(ends_at, tenant)}. {reason}", data={"time_off_id": off.pk}, exclude=actor)
    return off


def jobs_clashing_with(tenant, walker: Walker, starts_at, ends_at):
    """The walker's future active jobs inside a period: what an approved time off leaves to reassign."""
    return (Job.objects.for_tenant(tenant).select_related("booking", "service", "booking__customer")
            .filter(booking__resource_id=walker.resource_id, booking__status__in=ACTIVE_STATES, booking__starts_at__lt=ends_at, booking__ends_at__gt=starts_at,
                    booking__starts_at__gte=clock.now()).order_by("booking__starts_at"))


def decide_time_off(*, tenant, actor, time_off_id: int, approve: bool, note: str = "") -> tuple[TimeOff, list[Job]]:
    """Approve or decline. Approving re-checks the walker's future jobs in the period and returns the
    ones to reassign (admins are told which)."""
    check(actor, tenant, "petcare.staff.manage")
    with transaction.atomic():
        off = get_owned(TimeOff.objects.select_for_update().select_related("walker__user", "walker__resource"), tenant, time_off_id, what="time off")
        if off.status != TimeOff.REQUESTED:
            raise Conflict(f"The time off is already {off.status}.", code="time_off_decided", extra={"status": off.status})
        off.status = TimeOff.APPROVED if approve else TimeOff.DECLINED
        off.decided_by, off.decided_at = (actor if getattr(actor, "pk", None) else None), clock.now()
        off.save(update_fields=["status", "decided_by", "decided_at"])
        clashes = list(jobs_clashing_with(tenant, off.walker, off.starts_at, off.ends_at)) if approve else []
        log_action(tenant=tenant, actor=actor, entity=off, action=f"petcare.time_off.{off.status.lower()}",
                   diff={"status": [TimeOff.REQUESTED, off.status], "jobs_to_reassign": [None, [j.pk for j in clashes]], "note": [None, note or None]})
        emit(tenant, "time_off:updated", {"time_off_id": off.pk, "walker_id": off.walker_id, "status": off.status, "jobs_to_reassign": [j.pk for j in clashes]})
        notify(tenant, off.walker.user, event_type="time_off:updated", title=f"Your time off was {off.status.lower()}",
               body=f"{dates.short_moment(off.starts_at, tenant)} – {dates.short_moment(off.ends_at, tenant)}. {note}", data={"time_off_id": off.pk}, email=True)
        if clashes:
            notify_members_with(tenant, "petcare.job.manage", event_type="time_off:updated", title=f"{len(clashes)} job(s) of {off.walker} need another walker",
                                body=", ".join(f"#{j.pk} {dates.short_moment(j.booking.starts_at, tenant)}" for j in clashes), data={"job_ids": [j.pk for j in clashes]})
    return off, clashes


# ---------------------------------------------------------------- clients and dogs

PROFILE_FIELDS = {"vet_details", "emergency_contact", "onboarding_step"}


def profile_of(tenant, customer: Customer) -> ClientProfile:
    profile, _ = ClientProfile.objects.get_or_create(tenant=tenant, customer=customer)
    return profile


def create_client(*, tenant, actor, name: str, email: str = "", phone: str = "", address: dict | None = None, notes: str = "", vet_details: str = "",
                  emergency_contact: str = "", user=None) -> Customer:
    check(actor, tenant, "petcare.client.manage")
    with transaction.atomic():
        customer = customers.create_customer(tenant=tenant, actor=actor, name=name, email=email, phone=phone, address=address, notes=notes, user=user)
        ClientProfile.objects.create(tenant=tenant, customer=customer, vet_details=vet_details or "", emergency_contact=(emergency_contact or "")[:300],
                                     onboarding_step=_step_for(customer, vet_details, emergency_contact, has_dogs=False))
    return customer


def _step_for(customer, vet_details, emergency_contact, *, has_dogs: bool) -> int:
    """Onboarding: 1 contact, 2 address, 3 dogs, 4 vet + emergency contact — the first step not done yet."""
    if not (customer.email or customer.phone):
        return 1
    if not (customer.address or {}).get("line1"):
        return 2
    if not has_dogs:
        return 3
    return 4


def update_client(*, tenant, actor, customer_id: int, version: int | None = None, **changes) -> Customer:
    """The shared customer fields through core's service (its version check), the petcare ones here."""
    check(actor, tenant, "petcare.client.manage")
    profile_changes = {k: changes.pop(k) for k in list(changes) if k in PROFILE_FIELDS}
    with transaction.atomic():
        customer = get_owned(Customer, tenant, customer_id, what="client")
        if changes:
            customer = customers.update_customer(tenant=tenant, actor=actor, customer_id=customer_id, version=customer.version if version is None else version, **changes)
        profile = profile_of(tenant, customer)
        if "onboarding_step" in profile_changes:
            step = profile_changes["onboarding_step"]
            if isinstance(step, bool) or not isinstance(step, int) or not 1 <= step <= ClientProfile.ONBOARDING_STEPS:
                raise ValidationFailed("The onboarding step is not valid.", fields={"onboarding_step": ["1–4."]})
        diff = {k: [getattr(profile, k), v] for k, v in profile_changes.items() if v is not None and getattr(profile, k) != v}
        for key, value in profile_changes.items():
            if value is not None:
                setattr(profile, key, value if key == "onboarding_step" else str(value)[:300 if key == "emergency_contact" else 10000])
        profile.save()
        if diff:
            log_action(tenant=tenant, actor=actor, entity=profile, action="petcare.client.profile_updated", diff=diff)
            emit(tenant, "client:updated", {"customer_id": customer.pk})
    return customer


def add_dog(*, tenant, actor, customer_id: int, name: str, breed: str = "", notes: str = "", vet_details: str = "") -> Dog:
    """Admins add dogs to any client; a client to their own profile."""
    with transaction.atomic():
        customer = get_owned(Customer, tenant, customer_id, what="client")
        if actor is not None and customer.user_id != actor.pk:
            check(actor, tenant, "petcare.client.manage")
        else:
            check(actor, tenant, "petcare.portal" if actor is not None and customer.user_id == actor.pk else "petcare.client.manage")
        if not (name or "").strip():
            raise ValidationFailed("The dog was not saved.", fields={"name": ["A name is required."]})
        dog = Dog.objects.create(tenant=tenant, customer=customer, name=name.strip()[:120], breed=(breed or "")[:120], notes=notes or "", vet_details=vet_details or "")
        profile = profile_of(tenant, customer)
        if profile.onboarding_step == 3:
            profile.onboarding_step = 4
            profile.save(update_fields=["onboarding_step", "updated_at"])
        log_action(tenant=tenant, actor=actor, entity=dog, action="petcare.dog.added", diff={"name": [None, dog.name], "customer_id": [None, customer.pk]})
        emit(tenant, "client:updated", {"customer_id": customer.pk, "dog_id": dog.pk})
    return dog


def update_dog(*, tenant, actor, dog_id: int, **changes) -> Dog:
    allowed = {"name", "breed", "notes", "vet_details", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed("The dog was not saved.", fields={k: ["Not an editable dog field."] for k in unknown})
    with transaction.atomic():
        dog = get_owned(Dog.objects.select_for_update().select_related("customer"), tenant, dog_id, what="dog")
        if actor is not None and dog.customer.user_id != actor.pk:
            check(actor, tenant, "petcare.client.manage")
        if "name" in changes and not (changes["name"] or "").strip():
            raise ValidationFailed("The dog was not saved.", fields={"name": ["A name is required."]})
        diff = {k: [getattr(dog, k), v] for k, v in changes.items() if v is not None and getattr(dog, k) != v}
        for key, value in changes.items():
            if value is not None:
                setattr(dog, key, value)
        dog.save()
        log_action(tenant=tenant, actor=actor, entity=dog, action="petcare.dog.updated", diff=diff)
        emit(tenant, "client:updated", {"customer_id": dog.customer_id, "dog_id": dog.pk})
    return dog


def deactivate_client(*, tenant, actor, customer_id: int, reason: str, override: bool = False, reactivation_days: int | None = None) -> Customer:
    """§10.4: a client with unpaid invoices is refused (billing's guard) unless an admin overrides — the
    override is in the audit entry. The client may be reactivated until `reactivation_expires_at`."""
    check(actor, tenant, "petcare.client.manage")
    days = int(reactivation_days if reactivation_days is not None else tenant.setting("petcare_reactivation_days") or 90)
    if not 1 <= days <= 3650:
        raise ValidationFailed("The reactivation window is not valid.", fields={"reactivation_days": ["1–3650 days."]})
    with transaction.atomic():
        customer = customers.deactivate_customer(tenant=tenant, actor=actor, customer_id=customer_id, reason=reason, override=override)
        profile = profile_of(tenant, customer)
        profile.reactivation_expires_at = customer.deactivated_at + dt.timedelta(days=days)
        profile.save(update_fields=["reactivation_expires_at", "updated_at"])
        pending = Job.objects.for_tenant(tenant).filter(booking__customer=customer, booking__status__in=ACTIVE_STATES).count()
        log_action(tenant=tenant, actor=actor, entity=profile, action="petcare.client.deactivated",
                   diff={"reactivation_expires_at": [None, profile.reactivation_expires_at], "override": [None, override], "active_jobs": [None, pending]})
    return customer


def reactivate_client(*, tenant, actor, customer_id: int, override: bool = False) -> Customer:
    check(actor, tenant, "petcare.client.manage")
    with transaction.atomic():
        customer = get_owned(Customer.objects.select_for_update(), tenant, customer_id, what="client")
        profile = profile_of(tenant, customer)
        expired = profile.reactivation_expires_at is not None and profile.reactivation_expires_at < clock.now()
        if not customer.is_active and expired and not override:
            raise Conflict(f"The reactivation window closed on {dates.day(profile.reactivation_expires_at, tenant)}. Reactivate with override to proceed anyway.", code="reactivation_expired")
        customer = customers.reactivate_customer(tenant=tenant, actor=actor, customer_id=customer_id)
        if profile.reactivation_expires_at is not None:
            log_action(tenant=tenant, actor=actor, entity=profile, action="petcare.client.reactivated", diff={"reactivation_expires_at": [profile.reactivation_expires_at, None], "override": [None, override]})
            profile.reactivation_expires_at = None
            profile.save(update_fields=["reactivation_expires_at", "updated_at"])
    return customer


# ---------------------------------------------------------------- feedback

def submit_feedback(*, tenant, actor, message: str, category: str = "OTHER") -> Feedback:
    check(actor, tenant, "petcare.feedback.write")
    if not (message or "").strip():
        raise ValidationFailed("Say something.", fields={"message": ["Required."]})
    if category not in dict(Feedback.CATEGORIES):
        raise ValidationFailed("Unknown category.", fields={"category": [", ".join(dict(Feedback.CATEGORIES))]})
    with transaction.atomic():
        fb = Feedback.objects.create(tenant=tenant, author=actor if getattr(actor, "pk", None) else None, category=category, message=message.strip()[:5000])
        log_action(tenant=tenant, actor=actor, entity=fb, action="petcare.feedback.submitted", diff={"category": [None, category]})
        emit(tenant, "feedback:created", {"feedback_id": fb.pk, "category": category})
        notify_members_with(tenant, "petcare.staff.manage", event_type="feedback:created", title="New feedback", body=fb.message[:500], data={"feedback_id": fb.pk}, exclude=actor, email=True)
    return fb

