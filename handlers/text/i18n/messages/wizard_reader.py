"""The wizard's item step when a typed name matches nothing in the catalog with confidence."""

UK: dict[str, str] = {
    "wizard.item_which": (
        "«{text}» — не можу впевнено знайти це в каталозі. Ви мали на увазі одне з цього? "
        "Або залиште, як написано (координатори побачать позначку «не з каталогу»)."
    ),
}

DE: dict[str, str] = {
    "wizard.item_which": (
        "„{text}“ – das finde ich im Katalog nicht sicher. Meinten Sie eines davon? Oder "
        "lassen Sie es, wie geschrieben (die Koordination sieht den Hinweis „nicht im Katalog“)."
    ),
}

EN: dict[str, str] = {
    "wizard.item_which": (
        "“{text}” – I cannot find this in the catalogue with confidence. Did you mean one of "
        "these? Or keep it as written (coordinators will see it marked “not in the catalogue”)."
    ),
}
