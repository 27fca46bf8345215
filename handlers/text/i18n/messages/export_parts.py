"""Texts for exports in parts and the shipment column (issues 14 and 17)."""

UK: dict[str, str] = {
    "export.col.shipment": "Вантаж",
    "export.about.shipment": "Вантажі (S-12), що везуть цю позицію; скасовані не вказано.",
    "export.part": "📦 Частина {part} з {parts}: позиції {first}–{last}. Файл більший, ніж платформа приймає, тому його поділено.",
}

DE: dict[str, str] = {
    "export.col.shipment": "Transport",
    "export.about.shipment": "Die Transporte (S-12), die diese Position befördern; stornierte nicht.",
    "export.part": "📦 Teil {part} von {parts}: Positionen {first}–{last}. Die Datei ist größer, als die Plattform annimmt, daher wurde sie geteilt.",
}

EN: dict[str, str] = {
    "export.col.shipment": "Shipment",
    "export.about.shipment": "The shipments (S-12) carrying this item line; cancelled ones are left out.",
    "export.part": "📦 Part {part} of {parts}: item lines {first}–{last}. The file is bigger than the platform accepts, so it was split.",
}
