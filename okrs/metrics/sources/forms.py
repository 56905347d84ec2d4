"""Forms of the sources settings page and the editor's source fields, built from the registry.

Secret fields are password inputs that never render a value: a secret is write-only, and a
blank one keeps what is stored.
"""

from __future__ import annotations

from typing import Any

from django import forms

from okrs.metrics.sources.registry import REGISTRY, Param, SourceBackend
from okrs.org.models import KEY_VALIDATOR


def _secret_field(help_text: str, *, required: bool) -> forms.CharField:
    return forms.CharField(
        required=required,
        strip=False,
        help_text=help_text,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )


class CredentialForm(forms.Form):
    name = forms.CharField(
        max_length=64,
        validators=[KEY_VALIDATOR],
        help_text="How sources refer to it: credential: NAME (lowercase letters, digits, '-').",
    )
    kind = forms.ChoiceField(help_text="The kind of source it is for.")
    description = forms.CharField(max_length=200, required=False)

    def __init__(
        self, *args: Any, kinds: list[str], kind: str, creating: bool, **kwargs: Any
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        kind_field = self.fields["kind"]
        assert isinstance(kind_field, forms.ChoiceField)
        kind_field.choices = [(k, REGISTRY[k].label or k) for k in kinds]
        if creating:
            # Chosen once, above the form (its fields depend on it): carried here, not asked again.
            kind_field.widget = forms.HiddenInput()
        else:
            del self.fields["name"]
        self.secret_names: list[str] = []
        backend: type[SourceBackend] | None = REGISTRY.get(kind)
        if backend is not None and backend.url_param:
            # The secrets go to this site only: a source elsewhere cannot use the credential.
            url = next(p for p in backend.params if p.name == backend.url_param)
            default = url.default
            self.fields["site"] = forms.CharField(
                max_length=500,
                required=default is None,
                label="Site",
                help_text=(
                    "The only site its secrets are sent to: sources using it must have their "
                    f"{url.title} there (https://host[:port][/path])."
                    + (f" Blank: {default}." if default else "")
                ),
                widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            )
        for param in backend.params if backend else ():
            if not param.secret:
                continue
            hint = _sentence(param.help)
            if not creating:
                hint = f"{hint} (leave blank to keep the stored one)"
            self.fields[f"secret_{param.name}"] = _secret_field(
                hint, required=creating and param.required
            )
            self.fields[f"secret_{param.name}"].label = param.title
            self.secret_names.append(param.name)

    def site(self) -> str:
        return str(self.cleaned_data.get("site") or "").strip()

    def secrets(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(f"secret_{name}") or "" for name in self.secret_names}


# ---------------------------------------------------------------------------------------------
# The editor's source fields


def param_field_name(param: str | None) -> str:
    """The form field a registry problem about `param` belongs beside."""
    if param in (None, "", "kind", "schedule", "credential"):
        return param or "kind"
    return f"p_{param}"


def _shown_value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _options_widget(param: Param, shown: str) -> forms.Select:
    """A list of the parameter's options by name; the value sent is still the code. A stored
    value the list does not offer (a long name a plan file wrote) stays selected."""
    named = dict(param.options)
    if param.required:
        blank = "Choose one"
    elif param.default is not None:
        blank = f"Default: {named.get(str(param.default), param.default)}"
    else:
        blank = "None"
    choices = [("", blank), *param.options]
    if shown and shown not in named:
        choices.append((shown, shown))
    return forms.Select(choices=choices)


class SourceForm(forms.Form):
    """A key result's source: the kind, then that kind's declared parameters.

    Non-secret values are shown and edited as text (a list as "a, b"); what they mean is the
    registry's to check, with the same messages as `okrs apply`. Secret parameters are write-
    only: the field is always empty, blank keeps the stored reference, and only an
    `env:VARIABLE` reference is accepted (a credential holds actual secrets)."""

    prefix = "source"

    kind = forms.CharField(
        required=False,
        label="Updated automatically from",
        widget=forms.Select(
            attrs={
                # Redraw the fields of the chosen kind in place, keeping what was typed.
                "hx-trigger": "change",
                "hx-vals": '{"source-choose": "1"}',
                "hx-include": "closest form",
                "hx-select": "#source-fields",
                "hx-target": "#source-fields",
                "hx-swap": "outerHTML",
            }
        ),
    )
    credential = forms.CharField(
        required=False,
        widget=forms.Select(),
        help_text="Holds the secrets; admins manage them on /settings/sources/.",
    )
    schedule = forms.CharField(
        required=False,
        help_text="How often: 15m, 1h (the default), 1d.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(
        self,
        *args: Any,
        kind: str,
        stored: dict[str, Any] | None,
        credentials: list[tuple[str, str]],
        read_only: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        stored = stored if isinstance(stored, dict) else None
        # Shown, not editable: only admins bind sources (okrs/metrics/sources/permissions.py). The
        # server refuses a change whatever the page allowed; this only says so up front.
        self.read_only = read_only
        same_kind = stored is not None and stored.get("kind") == kind
        initial = {"kind": kind}
        if same_kind and stored is not None:
            initial["credential"] = str(stored.get("credential") or "")
            initial["schedule"] = str(stored.get("schedule") or "")
        kwargs["initial"] = {**initial, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.stored = stored if same_kind else None
        self.chosen_kind = kind
        kinds = [
            ("", "Nothing: check-ins only"),
            *((k, REGISTRY[k].label or k) for k in sorted(REGISTRY)),
        ]
        self.fields["kind"].widget.choices = kinds
        backend = REGISTRY.get(kind)
        self.params = list(backend.params) if backend else []
        has_secrets = any(param.secret for param in self.params)
        if has_secrets:
            names = [("", "None")] + [(name, name) for name, k in credentials if k == kind]
            keep = initial.get("credential")
            if keep and keep not in {name for name, _ in names}:
                names.append((keep, keep))
            self.fields["credential"].widget.choices = names
        else:
            del self.fields["credential"]
        if backend is None:
            del self.fields["schedule"]
        for param in self.params:
            name = param_field_name(param.name)
            help_text = _sentence(param.help) + ("" if param.required else " (optional)")
            if param.secret:
                stored_ref = bool(self.stored and self.stored.get(param.name))
                how = (
                    "now read from an environment variable; leave blank to keep it"
                    if stored_ref
                    else "leave blank to use the credential's, or write env:VARIABLE"
                )
                self.fields[name] = _secret_field(f"{help_text}. Secret: {how}.", required=False)
            else:
                shown = _shown_value(self.stored.get(param.name)) if self.stored else ""
                self.fields[name] = forms.CharField(
                    required=False,
                    help_text=help_text,
                    initial=shown,
                    widget=_options_widget(param, shown)
                    if param.options and param.type != "list"
                    else forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
                )
            self.fields[name].label = param.title
        if any(param.secret for param in self.params) and self.stored and not read_only:
            self.fields["forget_env"] = forms.BooleanField(
                required=False,
                label="Forget the environment variables of the secret parameters",
            )
        if read_only:
            for field in self.fields.values():
                field.disabled = True

    def source(self) -> dict[str, Any] | None:
        """The source mapping as typed; None when the kind is 'nothing'."""
        data = self.cleaned_data
        kind = data.get("kind") or ""
        if not kind:
            return None
        source: dict[str, Any] = {"kind": kind}
        for param in self.params:
            raw = data.get(param_field_name(param.name)) or ""
            if param.secret:
                keep = self.stored.get(param.name) if self.stored else None
                if raw:
                    source[param.name] = raw.strip()
                elif keep and not data.get("forget_env"):
                    source[param.name] = keep
                continue
            text = raw.strip()
            if not text:
                continue
            source[param.name] = _typed(param.type, text)
        if data.get("credential"):
            source["credential"] = data["credential"]
        if data.get("schedule"):
            source["schedule"] = data["schedule"].strip()
        return source


def _typed(kind: str, text: str) -> Any:
    """Text as the value a plan file would hold; a value that does not fit stays text, and the
    registry says what is wrong with it."""
    if kind == "list":
        return [item.strip() for item in text.split(",") if item.strip()]
    if kind in ("number", "integer"):
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if number.is_integer() else number
    return text
