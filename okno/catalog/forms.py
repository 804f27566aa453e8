"""Forms for catalogue pages: uploading a catalogue file to check or import."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

#: The largest catalogue file the admin accepts; a registry of thousands of services is far less.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
EXTENSIONS = (".json", ".xlsx", ".zip")


class CatalogueImportForm(forms.Form):
    """A catalogue file and whether to only check it or to import it."""

    CHECK, IMPORT = "check", "import"

    file = forms.FileField(
        label=_("Catalogue file"),
        widget=forms.FileInput(attrs={"accept": ",".join(EXTENSIONS)}),
    )
    mode = forms.ChoiceField(
        label=_("What to do"),
        choices=[
            (CHECK, _("Check only: show what would change and change nothing")),
            (IMPORT, _("Import: check, then save everything if there are no problems")),
        ],
        initial=CHECK,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built here, not at import, so it is in the language of the request.
        self.fields["file"].help_text = _(
            "A .json file, an Excel workbook (.xlsx) or a .zip of CSV files, at most %(limit)s."
        ) % {"limit": filesizeformat(MAX_UPLOAD_BYTES)}

    @property
    def dry_run(self) -> bool:
        return self.cleaned_data["mode"] == self.CHECK

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if (upload.size or 0) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _(
                    "The file is %(size)s; okno accepts files of at most %(limit)s. Split the catalogue into smaller files and import them one after another."
                ),
                code="too_large",
                params={
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(MAX_UPLOAD_BYTES),
                },
            )
        if not (upload.name or "").lower().endswith(EXTENSIONS):
            raise forms.ValidationError(
                _(
                    "okno reads .json files, Excel workbooks (.xlsx) and .zip files of CSV tables. Save the catalogue in one of these formats."
                ),
                code="extension",
            )
        return upload
