"""What the /need preview asks before a request can be stored (issue 9: never store a guess)."""

UK: dict[str, str] = {
    "need.asking": "Запит ще не збережено: бракує одного уточнення.",
    "need.you_wrote": "<i>ви написали: «{text}»</i>",
    "need.unit_assumed": "<i>одиницю не вказано — рахую в штуках ({unit})</i>",
    "need.unit_switch": "↔ {qty} {unit} ({name})",
    "need.q_which": (
        "Позиція {n}: «{text}» — не можу впевнено знайти це в каталозі. Ви мали на увазі одне з "
        "цього? Або залиште, як написано (координатори побачать позначку «не з каталогу»)."
    ),
    "need.keep_as_written": "✍️ Залишити, як написано",
    "need.q_unit": "Позиція {n}: {qty} — у яких одиницях ({name})?",
    "need.q_confirm_qty": (
        "Позиція {n}: {qty} {unit} «{name}» — це набагато більше, ніж зазвичай потрібно одному "
        "закладу. Кількість правильна?"
    ),
    "need.confirm_qty": "✅ Так, кількість правильна",
    "need.q_duplicate": (
        "Позиція {n}: ваш заклад уже просить це в {ref} ({qty} {unit}, {status}). "
        "Це нова, окрема потреба?"
    ),
    "need.dup_anyway": "➕ Так, окремий запит",
    "need.dup_add": "↪ Додати до {ref}",
    "need.drop_line": "✖ Прибрати цю позицію",
    "need.drop_last": (
        "Це єдина позиція запиту. Скасуйте запит і надішліть /need з правильною кількістю."
    ),
}

DE: dict[str, str] = {
    "need.asking": "Die Anfrage ist noch nicht gespeichert: eine Angabe fehlt.",
    "need.you_wrote": "<i>Sie schrieben: „{text}“</i>",
    "need.unit_assumed": "<i>keine Einheit angegeben – gezählt in Stück ({unit})</i>",
    "need.unit_switch": "↔ {qty} {unit} ({name})",
    "need.q_which": (
        "Position {n}: „{text}“ – das finde ich im Katalog nicht sicher. Meinten Sie eines "
        "davon? Oder lassen Sie es wie geschrieben (Koordinatoren sehen „nicht im Katalog“)."
    ),
    "need.keep_as_written": "✍️ So lassen, wie geschrieben",
    "need.q_unit": "Position {n}: {qty} – in welcher Einheit ({name})?",
    "need.q_confirm_qty": (
        "Position {n}: {qty} {unit} „{name}“ – das ist weit mehr, als eine Einrichtung "
        "üblicherweise braucht. Stimmt die Menge?"
    ),
    "need.confirm_qty": "✅ Ja, die Menge stimmt",
    "need.q_duplicate": (
        "Position {n}: Ihre Einrichtung hat das schon in {ref} angefragt ({qty} {unit}, "
        "{status}). Ist das ein neuer, zusätzlicher Bedarf?"
    ),
    "need.dup_anyway": "➕ Ja, eigene Anfrage",
    "need.dup_add": "↪ Zu {ref} hinzufügen",
    "need.drop_line": "✖ Diese Position entfernen",
    "need.drop_last": (
        "Das ist die einzige Position. Brechen Sie ab und senden Sie /need mit der richtigen Menge."
    ),
}

EN: dict[str, str] = {
    "need.asking": "The request is not saved yet: one thing is missing.",
    "need.you_wrote": "<i>you wrote: “{text}”</i>",
    "need.unit_assumed": "<i>no unit given – counted in pieces ({unit})</i>",
    "need.unit_switch": "↔ {qty} {unit} ({name})",
    "need.q_which": (
        "Line {n}: “{text}” – I cannot find this in the catalog with confidence. Did you mean "
        "one of these? Or keep it as written (coordinators will see “not in the catalog”)."
    ),
    "need.keep_as_written": "✍️ Keep as written",
    "need.q_unit": "Line {n}: {qty} – in which unit ({name})?",
    "need.q_confirm_qty": (
        "Line {n}: {qty} {unit} “{name}” – that is far more than one facility usually needs. "
        "Is the quantity right?"
    ),
    "need.confirm_qty": "✅ Yes, the quantity is right",
    "need.q_duplicate": (
        "Line {n}: your facility already asks for this in {ref} ({qty} {unit}, {status}). "
        "Is this a new, additional need?"
    ),
    "need.dup_anyway": "➕ Yes, a separate request",
    "need.dup_add": "↪ Add to {ref}",
    "need.drop_line": "✖ Remove this line",
    "need.drop_last": "This is the only line. Cancel and send /need with the right quantity.",
}
