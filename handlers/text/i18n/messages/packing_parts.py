"""Texts for packing lists in parts (issue 17): the caption of each part, and the notes a
part's summary and a split delivery note carry."""

UK: dict[str, str] = {
    "ship.pl.part": "📦 Частина {part} з {parts}: рядки {first}–{last}. Файл більший, ніж платформа приймає, тому його поділено.",
    "ship.pl.part_note": "Частина {part}: рядки {first}–{last} з {total}",
    "ship.pl.note_part": "Рядки {first}–{last} з {total} для цього отримувача; решта — в іншій частині пакувального листа",
}

DE: dict[str, str] = {
    "ship.pl.part": "📦 Teil {part} von {parts}: Zeilen {first}–{last}. Die Datei ist größer, als die Plattform annimmt, daher wurde sie geteilt.",
    "ship.pl.part_note": "Teil {part}: Zeilen {first}–{last} von {total}",
    "ship.pl.note_part": "Zeilen {first}–{last} von {total} für diesen Empfänger; der Rest steht in einem anderen Teil der Packliste",
}

EN: dict[str, str] = {
    "ship.pl.part": "📦 Part {part} of {parts}: lines {first}–{last}. The file is bigger than the platform accepts, so it was split.",
    "ship.pl.part_note": "Part {part}: lines {first}–{last} of {total}",
    "ship.pl.note_part": "Lines {first}–{last} of {total} for this recipient; the rest is in another part of the packing list",
}
