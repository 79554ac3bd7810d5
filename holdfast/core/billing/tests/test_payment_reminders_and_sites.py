"""Per-payment reminders (sent by the same machinery as invoice reminders), the API for expected
payments, ledger entry codes and sites, per-site tax rules, and a property test that finance figures
count RECEIVED money only."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from holdfast.core.billing import doctor, reports, selectors, services
from holdfast.core.billing.models import LedgerEntry, Payment, PaymentReminder
from holdfast.core.billing.services.pricing import resolve_tax
from holdfast.core.inventory.tests.factories import SiteFactory
from holdfast.kit.errors import Conflict, NotFound, ValidationFailed
from holdfast.kit.doctor import REGISTRY
from holdfast.kit.periodic import PERIODIC
from tests.factories import CustomerFactory

from .factories import base_rule, booking, invoice

pytestmark = pytest.mark.django_db
B = "/api/v1/billing"
D = dt.date


def _expect(tenant, customer, bk=None, amount=25_000, due=D(2031, 2, 1), kind="INSTALMENT"):
    return services.expect_payment(tenant=tenant, actor="t", booking_id=bk.pk if bk else None, customer_id=customer.pk, amount_minor=amount, due_date=due, kind=kind, source="demo.booking")


# ---------------------------------------------------------------- reminders


def test_payment_reminder_sent_now_names_booking_amount_and_due_date(tenant, customer):
    bk = booking(tenant, customer, reference="SUN-0042")
    p = _expect(tenant, customer, bk)
    reminder = services.schedule_reminder(tenant=tenant, actor="t", payment_id=p.pk, message="Bank details attached.")
    assert reminder.status == PaymentReminder.SENT and reminder.payment_id == p.pk and reminder.invoice_id is None
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["ada@example.com"]
    assert "SUN-0042" in sent.body and "USD 250.00" in sent.body and "2031-02-01" in sent.body and "instalment" in sent.body
    assert "SUN-0042" in sent.subject
    p.refresh_from_db()
    assert p.reminder_count == 1 and p.last_reminder_at == reminder.sent_at
    assert doctor.reminder_counts() == []


class _Rollback(Exception):
    pass


def test_a_reminder_mail_goes_out_after_commit_and_never_for_a_rollback(tenant, customer):
    p = _expect(tenant, customer)
    with pytest.raises(_Rollback), transaction.atomic():
        services.schedule_reminder(tenant=tenant, actor="t", payment_id=p.pk)
        assert mail.outbox == []  # not while the transaction (and the reminder's lock) is open
        raise _Rollback
    assert mail.outbox == [] and not PaymentReminder.objects.filter(payment=p).exists()
    p.refresh_from_db()
    assert p.reminder_count == 0
    with transaction.atomic():
        reminder = services.schedule_reminder(tenant=tenant, actor="t", payment_id=p.pk)
        assert mail.outbox == []
    assert len(mail.outbox) == 1 and PaymentReminder.objects.get(pk=reminder.pk).status == PaymentReminder.SENT


def test_worker_sweep_sends_scheduled_payment_and_invoice_reminders(tenant, customer):
    p = _expect(tenant, customer)
    inv = invoice(tenant, customer)
    on = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
    services.schedule_reminder(tenant=tenant, actor="t", payment_id=p.pk, send_at=on)
    services.schedule_reminder(tenant=tenant, actor="t", invoice_id=inv.pk, send_at=on)
    assert PERIODIC["billing.send_due_reminders"].run() == 0 and mail.outbox == []
    assert services.send_due_reminders(at=on + dt.timedelta(minutes=1)) == 2
    assert services.send_due_reminders(at=on + dt.timedelta(minutes=2)) == 0
    assert len(mail.outbox) == 2
    p.refresh_from_db()
    inv.refresh_from_db()
    assert p.reminder_count == 1 and inv.reminder_count == 1
    assert doctor.reminder_counts() == []


def test_a_payment_received_before_its_reminder_is_not_reminded(tenant, customer):
    p = _expect(tenant, customer)
    reminder = services.schedule_reminder(tenant=tenant, actor="t", payment_id=p.pk, send_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
    PaymentReminder.objects.filter(pk=reminder.pk).update(status=PaymentReminder.SCHEDULED)
    Payment.objects.filter(pk=p.pk).update(status=Payment.RECEIVED, method="CASH", paid_at=timezone.now())  # behind the service: the sweep still checks
    assert services.send_due_reminders(at=dt.datetime(2099, 2, 1, tzinfo=dt.UTC)) == 0
    reminder.refresh_from_db()
    assert reminder.status == PaymentReminder.CANCELLED and mail.outbox == []


def test_mail_failure_leaves_payment_tracking_alone(tenant, customer, settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {"host": "127.0.0.1", "port": 1, "timeout": 2}}}
    p = _expect(tenant, customer)
    reminder = services.schedule_reminder(tenant=tenant, actor="t", payment_id=p.pk)
    assert reminder.status == PaymentReminder.FAILED and reminder.last_error
    p.refresh_from_db()
    assert p.reminder_count == 0 and p.last_reminder_at is None


def test_a_reminder_is_about_exactly_one_thing(tenant, customer):
    p = _expect(tenant, customer)
    inv = invoice(tenant, customer)
    with pytest.raises(ValidationFailed):
        services.schedule_reminder(tenant=tenant, actor="t", payment_id=p.pk, invoice_id=inv.pk)
    with pytest.raises(ValidationFailed):
        services.schedule_reminder(tenant=tenant, actor="t")
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentReminder.objects.create(tenant=tenant, payment=p, invoice=inv, scheduled_for=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentReminder.objects.create(tenant=tenant, scheduled_for=timezone.now())


def test_doctor_notices_and_repairs_payment_reminder_drift(tenant, customer):
    p = _expect(tenant, customer)
    services.schedule_reminder(tenant=tenant, actor="t", payment_id=p.pk)
    Payment.objects.filter(pk=p.pk).update(reminder_count=5)
    findings = doctor.reminder_counts()
    assert findings and findings[0].data == {"payment_id": p.pk}
    assert doctor.repair_reminder_counts(findings) == 1 and doctor.reminder_counts() == []
    assert Payment.objects.get(pk=p.pk).reminder_count == 1


# ---------------------------------------------------------------- API


def test_expected_payment_lifecycle_through_the_api(owner_api, tenant, customer):
    bk = booking(tenant, customer, reference="SUN-7")
    made = owner_api.post(f"{B}/payments/expected", {"customer_id": customer.pk, "booking_id": bk.pk, "amount_minor": 40_000, "due_date": "2031-03-01", "kind": "down_payment",
                                                      "source": "demo.booking"})
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["status"], body["kind"], body["due_date"], body["paid_at"], body["booking_reference"]) == ("EXPECTED", "DOWN_PAYMENT", "2031-03-01", None, "SUN-7")
    pid = body["id"]
    remind = owner_api.post(f"{B}/payments/{pid}/reminders", {"send_at": "2099-01-01T09:00:00Z"})
    assert remind.status_code == 201 and remind.json()["payment_id"] == pid and remind.json()["invoice_id"] is None
    assert [r["status"] for r in owner_api.get(f"{B}/payments/{pid}/reminders").json()] == ["SCHEDULED"]
    listed = owner_api.get(f"{B}/payments", {"status": "EXPECTED", "booking_id": bk.pk}).json()
    assert listed["count"] == 1
    got = owner_api.post(f"{B}/payments/{pid}/receive", {"method": "BANK_TRANSFER", "reference": "TX-9"})
    assert got.status_code == 200 and got.json()["status"] == "RECEIVED" and got.json()["paid_at"]
    assert [r["status"] for r in owner_api.get(f"{B}/payments/{pid}/reminders").json()] == ["CANCELLED"]
    again = owner_api.post(f"{B}/payments/{pid}/void", {"reason": "late"})
    assert again.status_code == 409 and again.json()["code"] == "payment_not_expected"
    other = owner_api.post(f"{B}/payments/expected", {"customer_id": customer.pk, "amount_minor": 5, "due_date": "2031-03-01"}).json()
    voided = owner_api.post(f"{B}/payments/{other['id']}/void", {"reason": "Not needed"})
    assert voided.status_code == 200 and voided.json()["status"] == "VOID" and voided.json()["void_reason"] == "Not needed"
    assert owner_api.post(f"{B}/payments/expected", {"customer_id": customer.pk, "amount_minor": 5}).status_code == 422


def test_expected_payment_endpoints_need_permissions_and_hide_other_tenants(staff_api, outsider_api, tenant, customer):
    p = _expect(tenant, customer)
    assert staff_api.post(f"{B}/payments/expected", {"customer_id": customer.pk, "amount_minor": 5, "due_date": "2031-03-01"}).status_code == 403
    assert outsider_api.post(f"{B}/payments/{p.pk}/receive", {"method": "CASH"}).status_code == 404
    assert outsider_api.post(f"{B}/payments/{p.pk}/reminders", {}).status_code == 404
    assert outsider_api.get(f"{B}/payments/{p.pk}/reminders").status_code == 404
    assert Payment.objects.get(pk=p.pk).status == Payment.EXPECTED and not PaymentReminder.objects.exists()


def test_tax_rules_and_ledger_entries_carry_sites_through_the_api(owner_api, tenant, other_tenant, customer):
    site = SiteFactory(tenant=tenant)
    made = owner_api.post(f"{B}/tax-rules", {"name": "City tax", "rate": "12.5", "site_id": site.pk, "effective_from": "2026-01-01"})
    assert made.status_code == 201 and made.json()["site_id"] == site.pk
    foreign = owner_api.post(f"{B}/tax-rules", {"name": "x", "rate": "1", "site_id": SiteFactory(tenant=other_tenant).pk, "effective_from": "2026-01-01"})
    assert foreign.status_code == 422 and "site_id" in str(foreign.json())
    bk = booking(tenant, customer)
    entry = owner_api.post(f"{B}/ledger-entries", {"booking_id": bk.pk, "source": "hotel.reservation", "entry_type": "CHARGE", "code": "room_charge", "amount_minor": 9000,
                                                    "description": "Night", "site_id": site.pk})
    assert entry.status_code == 201 and entry.json()["code"] == "ROOM_CHARGE"
    ledger = owner_api.get(f"{B}/ledgers", {"booking_id": bk.pk}).json()["results"][0]
    assert ledger["site_id"] == site.pk


# ---------------------------------------------------------------- ledger codes and sites, per-site tax


def test_ledger_entry_code_defaults_to_its_type_and_the_ledger_keeps_its_site(tenant, other_tenant):
    site, elsewhere = SiteFactory(tenant=tenant), SiteFactory(tenant=tenant)
    stay = booking(tenant)
    plain = services.post_ledger_entry(tenant=tenant, actor="t", booking_id=stay.pk, source="s", entry_type="FEE", amount_minor=10, description="Fee")
    assert plain.code == "FEE" and plain.account.site_id is None
    coded = services.post_ledger_entry(tenant=tenant, actor="t", booking_id=stay.pk, source="s", entry_type="CHARGE", code="ROOM_CHARGE", amount_minor=10, description="Night", site_id=site.pk)
    assert coded.code == "ROOM_CHARGE" and LedgerEntry.objects.get(pk=coded.pk).account.site_id == site.pk
    with pytest.raises(Conflict):
        services.post_ledger_entry(tenant=tenant, actor="t", booking_id=stay.pk, source="s", entry_type="FEE", amount_minor=1, description="x", site_id=elsewhere.pk)
    with pytest.raises(NotFound):
        services.post_ledger_entry(tenant=tenant, actor="t", booking_id=booking(tenant).pk, source="s", entry_type="FEE", amount_minor=1, description="x", site_id=SiteFactory(tenant=other_tenant).pk)


def test_a_sites_own_tax_rule_beats_tenant_wide_rules_there_only(tenant):
    harbour, hill = SiteFactory(tenant=tenant), SiteFactory(tenant=tenant)
    services.create_tax_rule(tenant=tenant, actor="t", name="VAT", rate=Decimal("19"), country="DE", effective_from=D(2026, 1, 1))
    services.create_tax_rule(tenant=tenant, actor="t", name="Bavaria", rate=Decimal("7"), country="DE", region="BY", effective_from=D(2026, 1, 1))
    services.create_tax_rule(tenant=tenant, actor="t", name="Harbour lodging", rate=Decimal("7"), site_id=harbour.pk, effective_from=D(2026, 1, 1))
    day = D(2026, 5, 1)
    assert resolve_tax(tenant, day=day, country="DE", region="BY", site_id=harbour.pk).name == "Harbour lodging"
    assert resolve_tax(tenant, day=day, country="DE", region="BY", site_id=hill.pk).name == "Bavaria"
    assert resolve_tax(tenant, day=day, country="DE").name == "VAT"
    base_rule(tenant, 10_000, D(2026, 1, 1))
    at_harbour = services.quote(tenant, start_date=day, end_date=day + dt.timedelta(days=1), site_id=harbour.pk, country="DE")
    at_hill = services.quote(tenant, start_date=day, end_date=day + dt.timedelta(days=1), site_id=hill.pk, country="DE")
    assert (at_harbour.tax_minor, at_hill.tax_minor) == (700, 1900)


def test_tax_rule_site_must_be_the_tenants_and_can_be_changed(tenant, other_tenant):
    with pytest.raises(ValidationFailed) as refused:
        services.create_tax_rule(tenant=tenant, actor="t", name="x", rate=1, site_id=SiteFactory(tenant=other_tenant).pk, effective_from=D(2026, 1, 1))
    assert "site_id" in refused.value.fields
    rule = services.create_tax_rule(tenant=tenant, actor="t", name="Wide", rate=5, effective_from=D(2026, 1, 1))
    site = SiteFactory(tenant=tenant)
    rule = services.update_tax_rule(tenant=tenant, actor="t", rule_id=rule.pk, version=rule.version, site_id=site.pk)
    assert rule.site_id == site.pk and resolve_tax(tenant, day=D(2026, 2, 1)) is None


# ---------------------------------------------------------------- property: only RECEIVED money counts

step = st.one_of(
    st.tuples(st.just("expect"), st.integers(1, 50_000), st.integers(-30, 30)),
    st.tuples(st.just("receive"), st.integers(0, 9)),
    st.tuples(st.just("void"), st.integers(0, 9)),
    st.tuples(st.just("record"), st.integers(1, 50_000), st.booleans()),
    st.tuples(st.just("refund"), st.integers(0, 9), st.integers(1, 50_000)),
    st.tuples(st.just("pay_invoice"), st.integers(0, 9)),
)


def _pick(qs, index):
    rows = list(qs.order_by("id"))
    return rows[index % len(rows)] if rows else None


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=12))
def test_finance_totals_count_only_received_money(tenant, steps):
    from holdfast.kit.errors import DomainError

    with transaction.atomic():
        customer = CustomerFactory(tenant=tenant)
        bk = booking(tenant, customer)
        today = selectors.tenant_today(tenant)
        invoice(tenant, customer, 30_000)
        for s in steps:
            try:
                if s[0] == "expect":
                    services.expect_payment(tenant=tenant, actor="h", booking_id=bk.pk, customer_id=customer.pk, amount_minor=s[1], due_date=today + dt.timedelta(days=s[2]), source="x")
                elif s[0] in ("receive", "void"):
                    p = _pick(Payment.objects.filter(status=Payment.EXPECTED), s[1])
                    if p and s[0] == "receive":
                        services.receive_payment(tenant=tenant, actor="h", payment_id=p.pk, method="CASH")
                    elif p:
                        services.void_payment(tenant=tenant, actor="h", payment_id=p.pk, reason="h")
                elif s[0] == "record":
                    services.record_payment(tenant=tenant, actor="h", customer_id=customer.pk, amount_minor=s[1], method="CARD", booking_id=bk.pk if s[2] else None, source="x")
                elif s[0] == "refund":
                    p = _pick(Payment.objects.all(), s[1])
                    if p:
                        services.refund_payment(tenant=tenant, actor="h", payment_id=p.pk, amount_minor=s[2], reason="h")
                elif s[0] == "pay_invoice":
                    inv = _pick(selectors.invoices(tenant, status="PENDING"), s[1])
                    if inv:
                        services.apply_customer_credit(tenant=tenant, actor="h", invoice_id=inv.pk)
            except DomainError:
                pass
            received = Payment.objects.filter(tenant=tenant, status=Payment.RECEIVED)
            net = sum(p.amount_minor - selectors.payment_refunded_minor(p) for p in received)
            allocated = sum(selectors.payment_allocated_minor(p) for p in received)
            assert selectors.received_minor(tenant) == net
            assert selectors.customer_credit_minor(tenant, customer.pk) == net - allocated
            assert reports.revenue_summary(tenant)["revenue_last_7_days_minor"] <= net
            account = selectors.ledger_for_booking(tenant, booking_id=bk.pk, source="x")
            on_folio = received.filter(booking=bk)
            assert (account.payments_minor - account.refunds_minor if account else 0) == sum(p.amount_minor - selectors.payment_refunded_minor(p) for p in on_folio)
            expected = Payment.objects.filter(tenant=tenant, status=Payment.EXPECTED)
            forecast = reports.forecast(tenant)
            assert forecast["expected_payments_minor"] + forecast["overdue_payments_minor"] == sum(p.amount_minor for p in expected)
            for check in (c for name, c in REGISTRY.items() if name.startswith("billing.")):
                assert check.run() == [], (check.name, s)
        transaction.set_rollback(True)
