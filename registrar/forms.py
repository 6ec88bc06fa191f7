"""Forms of the shop: sign-up, the registrant contact, checkout and the record editor."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.db import transaction

from registrar.models import Customer

CONTACT_FIELDS = ["name", "organization", "email", "phone", "street", "city", "state", "postal_code", "country_code"]


class ContactForm(forms.ModelForm):
    """The registrant contact: what the registry records as the domain's holder."""

    class Meta:
        model = Customer
        fields = CONTACT_FIELDS
        labels = {"name": "Full name", "country_code": "Country code", "phone": "Phone", "state": "State or province"}
        help_texts = {"country_code": "Two letters, like US or KR.", "phone": "Like +1.5555551234."}
        widgets = {"street": forms.Textarea(attrs={"rows": 2})}

    def clean_country_code(self) -> str:
        code = self.cleaned_data["country_code"].strip().upper()
        if len(code) != 2 or not code.isalpha() or not code.isascii():
            raise forms.ValidationError("two letters, like US or KR")
        return code


class SignUpForm(UserCreationForm):
    """A Django user and the customer profile that goes with it."""

    email = forms.EmailField()
    name = forms.CharField(max_length=255, label="Full name")
    city = forms.CharField(max_length=255)
    country_code = forms.CharField(max_length=2, label="Country code", help_text="Two letters, like US or KR.")

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email", "name", "city", "country_code")

    clean_country_code = ContactForm.clean_country_code

    @transaction.atomic
    def save(self, commit: bool = True):
        user = super().save(commit=False)
        user.email = self.cleaned_data["email"]
        user.save()
        Customer.objects.create(
            user=user,
            name=self.cleaned_data["name"],
            email=self.cleaned_data["email"],
            city=self.cleaned_data["city"],
            country_code=self.cleaned_data["country_code"],
        )
        return user


def _years_choices(low: int, high: int) -> list[tuple[int, str]]:
    return [(n, f"{n} year{'s' if n > 1 else ''}") for n in range(low, high + 1)]


class CardForm(forms.Form):
    """The emulated card, and the key that makes a resent form place one order only."""

    card_number = forms.CharField(
        label="Card number",
        max_length=23,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "cc-number"}),
    )
    exp_month = forms.TypedChoiceField(
        label="Expiry month", coerce=int, choices=[(m, f"{m:02d}") for m in range(1, 13)]
    )
    exp_year = forms.TypedChoiceField(label="Expiry year", coerce=int, choices=[])
    cvc = forms.CharField(
        label="CVC", max_length=4, widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "cc-csc"})
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, today: datetime.date | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        year = (today or datetime.date.today()).year
        exp_year = self.fields["exp_year"]
        assert isinstance(exp_year, forms.TypedChoiceField)
        exp_year.choices = [(y, str(y)) for y in range(year, year + 11)]

    def card(self) -> dict:
        data = self.cleaned_data
        return {
            "number": data["card_number"],
            "exp_month": data["exp_month"],
            "exp_year": data["exp_year"],
            "cvc": data["cvc"],
        }


class RenewForm(CardForm):
    years = forms.TypedChoiceField(label="Renew for", coerce=int, choices=_years_choices(1, 10), initial=1)

    field_order = ["years"]


class RestoreForm(CardForm):
    """Pay to restore a domain from its redemption period."""


class TransferForm(CardForm):
    """Transfer a domain registered elsewhere to us, with the auth code its registrar gave."""

    domain = forms.CharField(
        label="Domain", max_length=253, widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"})
    )
    auth_code = forms.CharField(
        label="Auth code",
        min_length=6,
        max_length=64,
        help_text="The transfer code (EPP authInfo) from the domain's current registrar.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    field_order = ["domain", "auth_code"]


class CheckoutForm(CardForm):
    """Everything checkout asks besides the contact: years per name, nameservers, an
    optional first record, and the (emulated) card."""

    OURS, OWN = "ours", "own"
    nameserver_choice = forms.ChoiceField(
        label="Nameservers",
        choices=[(OURS, "Ours: we host the zone and you edit its records here"), (OWN, "My own nameservers")],
        widget=forms.RadioSelect,
        initial=OURS,
    )
    nameservers = forms.CharField(
        label="Your nameservers",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocapitalize": "none", "spellcheck": "false"}),
        help_text="2 to 13 host names, one per line, like ns1.example.org.",
    )
    first_address = forms.GenericIPAddressField(
        label="Point the apex and www at this IP address",
        required=False,
        help_text="Optional, with our nameservers: an A (or AAAA) record for the name and www.",
    )

    def __init__(self, *args, quotes=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.quotes = list(quotes)
        for i, quote in enumerate(self.quotes):
            check = quote.check
            self.fields[f"years_{i}"] = forms.TypedChoiceField(
                label=f"Years for {check.unicode}",
                coerce=int,
                choices=_years_choices(check.min_years, check.max_years),
                initial=check.min_years,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        if data.get("nameserver_choice") == self.OWN:
            if not data.get("nameservers", "").split():
                self.add_error("nameservers", "give your nameservers, or choose ours")
            if data.get("first_address"):
                self.add_error("first_address", "a first record needs our nameservers: yours hold your records")
        return data

    def year_fields(self) -> list[tuple[object, forms.BoundField]]:
        return [(quote, self[f"years_{i}"]) for i, quote in enumerate(self.quotes)]

    def order_lines(self) -> list[dict]:
        data = self.cleaned_data
        own = data["nameserver_choice"] == self.OWN
        nameservers = data["nameservers"].split() if own else []
        return [
            {
                "domain": quote.check.ascii,
                "years": data[f"years_{i}"],
                "nameservers": nameservers,
                "first_address": data.get("first_address") or None,
            }
            for i, quote in enumerate(self.quotes)
        ]


class RecordSetForm(forms.Form):
    """One simple record set of a hosted zone, as the record editor saves it."""

    TYPES = ["A", "AAAA", "CNAME", "MX", "TXT", "CAA", "SRV", "NS"]
    name = forms.CharField(
        label="Name", required=False, help_text="Relative to the zone: www, or empty for the apex.", max_length=200
    )
    type = forms.ChoiceField(label="Type", choices=[(t, t) for t in TYPES])
    ttl = forms.IntegerField(label="TTL (seconds)", min_value=0, max_value=2_147_483_647, initial=300)
    values = forms.CharField(
        label="Values",
        widget=forms.Textarea(attrs={"rows": 2, "autocapitalize": "none", "spellcheck": "false"}),
        help_text='One per line, as in a zone file: 192.0.2.44, or 10 mail.example.com., or "some text".',
    )

    def record_set(self, zone: str) -> dict:
        data = self.cleaned_data
        relative = data["name"].strip().rstrip(".")
        name = f"{relative}.{zone}" if relative and relative != "@" else zone
        values = [line.strip() for line in data["values"].splitlines() if line.strip()]
        return {"name": name, "type": data["type"], "ttl": data["ttl"], "values": values}


class HealthCheckForm(forms.Form):
    """An endpoint health check (Route 53's): probed from every checker location."""

    name = forms.CharField(label="Check name", max_length=128, required=False)
    kind = forms.ChoiceField(label="Protocol", choices=[("HTTP", "HTTP"), ("HTTPS", "HTTPS"), ("TCP", "TCP")])
    ip_address = forms.GenericIPAddressField(
        label="Endpoint address",
        help_text="Probed inside the emulated network (loopback, like 127.53.5.1); any other address is never probed.",
    )
    port = forms.IntegerField(
        label="Port", min_value=1, max_value=65535, required=False, help_text="80 or 443 if empty."
    )
    path = forms.CharField(label="Path", max_length=255, required=False, help_text="HTTP(S) only; / if empty.")
    search_string = forms.CharField(
        label="Healthy only if the page contains", max_length=255, required=False, help_text="HTTP(S) only."
    )

    def settings(self) -> dict:
        """The check's settings as ``resolver.health.create_health_check`` takes them."""
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}


def form_problems(form: forms.Form) -> str:
    """A form's errors in one line, for a message on the page the form redirects to."""
    return "; ".join(
        f"{form[f].label if f in form.fields else 'form'}: {' '.join(map(str, e))}" for f, e in form.errors.items()
    )
