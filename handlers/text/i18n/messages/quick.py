"""Problems found by the one-line /need parser (handlers/requests/need_line.py).

Each template may use {fragment} (the piece of input at fault, escaped by the caller) and the
keys of that problem's args: max, limit, count, preview, today, latest, example_date.
"""

UK: dict[str, str] = {
    "quick.empty": (
        "Після /need напишіть, що потрібно: кількість, одиницю й назву. Кілька позицій "
        "розділяйте «;» або новим рядком. Приклад:\n"
        "<code>/need 2 генератор; 200 уп бинти !критично до {example_date}</code>"
    ),
    "quick.missing_quantity": (
        "<code>{fragment}</code>: не вказано кількість. Почніть позицію з числа, наприклад: "
        "<code>/need 2 генератор; 200 уп бинти</code>"
    ),
    "quick.zero_quantity": "<code>{fragment}</code>: кількість має бути більшою за нуль.",
    "quick.negative_quantity": "<code>{fragment}</code>: кількість не може бути від'ємною.",
    "quick.quantity_too_large": ("<code>{fragment}</code>: завелика кількість. Максимум — {max}."),
    "quick.bad_quantity": (
        "<code>{fragment}</code>: кількість має бути цілим числом без пробілів, крапок і ком, "
        "наприклад <code>1000</code>."
    ),
    "quick.missing_item": (
        "<code>{fragment}</code>: після кількості не вказано, що саме потрібно. Приклад: "
        "<code>2 генератор</code>"
    ),
    "quick.item_too_long": ("Назва позиції «{preview}» задовга. Скоротіть її до {limit} символів."),
    "quick.too_many_items": (
        "Забагато позицій в одному запиті: {count}, можна не більше {limit}. "
        "Розділіть його на кілька запитів."
    ),
    "quick.invalid_date": (
        "<code>{fragment}</code>: такої дати немає або її записано неправильно. "
        "Пишіть ДД.ММ.РРРР, наприклад <code>до {example_date}</code>."
    ),
    "quick.past_date": "<code>{fragment}</code>: ця дата вже минула (сьогодні {today}).",
    "quick.date_too_far": (
        "<code>{fragment}</code>: дата надто далека. Вкажіть дату не пізніше {latest}."
    ),
    "quick.unknown_flag": (
        "<code>{fragment}</code>: невідома позначка. Терміновість позначайте так: "
        "!критично, !висока, !звичайна або !низька."
    ),
    "quick.conflicting_urgency": (
        "<code>{fragment}</code>: терміновість у запиті вже вказано інакше. Залиште одну позначку."
    ),
    "quick.conflicting_date": ("<code>{fragment}</code>: у запиті дві різні дати. Залиште одну."),
    "quick.vague_quantity": (
        "<code>{fragment}</code> — скільки саме? Напишіть одне число, наприклад: "
        "<code>3 генератори</code>"
    ),
    "quick.ambiguous_quantity": (
        "<code>{fragment}</code>: тут кілька чисел, і незрозуміло, яке з них кількість. "
        "Напишіть, наприклад: <code>5 шт генератор 30 кВт</code>"
    ),
}

DE: dict[str, str] = {
    "quick.empty": (
        "Schreiben Sie nach /need, was gebraucht wird: Menge, Einheit und Bezeichnung. Mehrere "
        "Positionen trennen Sie mit „;“ oder einem Zeilenumbruch. Beispiel:\n"
        "<code>/need 2 Stromerzeuger; 200 Pkg. Mullbinden !kritisch bis {example_date}</code>"
    ),
    "quick.missing_quantity": (
        "<code>{fragment}</code>: Die Menge fehlt. Beginnen Sie die Position mit einer Zahl, "
        "z. B. <code>/need 2 Stromerzeuger; 200 Pkg. Mullbinden</code>"
    ),
    "quick.zero_quantity": "<code>{fragment}</code>: Die Menge muss größer als null sein.",
    "quick.negative_quantity": "<code>{fragment}</code>: Die Menge darf nicht negativ sein.",
    "quick.quantity_too_large": (
        "<code>{fragment}</code>: Die Menge ist zu groß. Höchstens {max}."
    ),
    "quick.bad_quantity": (
        "<code>{fragment}</code>: Bitte die Menge als ganze Zahl ohne Leerzeichen, Punkte oder "
        "Kommas schreiben, z. B. <code>1000</code>."
    ),
    "quick.missing_item": (
        "<code>{fragment}</code>: Nach der Menge fehlt, was gebraucht wird. Beispiel: "
        "<code>2 Stromerzeuger</code>"
    ),
    "quick.item_too_long": (
        "Die Bezeichnung „{preview}“ ist zu lang. Bitte auf höchstens {limit} Zeichen kürzen."
    ),
    "quick.too_many_items": (
        "Zu viele Positionen in einer Anfrage: {count}, erlaubt sind höchstens {limit}. "
        "Bitte auf mehrere Anfragen aufteilen."
    ),
    "quick.invalid_date": (
        "<code>{fragment}</code>: Dieses Datum gibt es nicht oder es ist falsch geschrieben. "
        "Bitte als TT.MM.JJJJ angeben, z. B. <code>bis {example_date}</code>."
    ),
    "quick.past_date": (
        "<code>{fragment}</code>: Dieses Datum liegt in der Vergangenheit (heute ist der {today})."
    ),
    "quick.date_too_far": (
        "<code>{fragment}</code>: Das Datum liegt zu weit in der Zukunft. Spätestens {latest}."
    ),
    "quick.unknown_flag": (
        "<code>{fragment}</code>: Unbekannte Markierung. Die Dringlichkeit geben Sie mit "
        "!kritisch, !hoch, !normal oder !niedrig an."
    ),
    "quick.conflicting_urgency": (
        "<code>{fragment}</code>: Die Dringlichkeit ist schon anders angegeben. Bitte nur eine "
        "Markierung verwenden."
    ),
    "quick.conflicting_date": (
        "<code>{fragment}</code>: Die Anfrage enthält zwei verschiedene Daten. Bitte nur eines "
        "angeben."
    ),
    "quick.vague_quantity": (
        "<code>{fragment}</code> – wie viele genau? Schreiben Sie eine Zahl, z. B.: "
        "<code>3 Stromerzeuger</code>"
    ),
    "quick.ambiguous_quantity": (
        "<code>{fragment}</code>: Hier stehen mehrere Zahlen, und es ist unklar, welche die "
        "Menge ist. Schreiben Sie z. B.: <code>5 Stk. Stromerzeuger 30 kVA</code>"
    ),
}

EN: dict[str, str] = {
    "quick.empty": (
        "After /need, write what is needed: quantity, unit and item. Separate several items "
        "with “;” or a new line. Example:\n"
        "<code>/need 2 generators; 200 packs bandages !critical by {example_date}</code>"
    ),
    "quick.missing_quantity": (
        "<code>{fragment}</code>: the quantity is missing. Start each item with a number, "
        "e.g. <code>/need 2 generators; 200 packs bandages</code>"
    ),
    "quick.zero_quantity": "<code>{fragment}</code>: the quantity must be greater than zero.",
    "quick.negative_quantity": "<code>{fragment}</code>: the quantity cannot be negative.",
    "quick.quantity_too_large": (
        "<code>{fragment}</code>: the quantity is too large. The maximum is {max}."
    ),
    "quick.bad_quantity": (
        "<code>{fragment}</code>: write the quantity as a whole number without spaces, dots or "
        "commas, e.g. <code>1000</code>."
    ),
    "quick.missing_item": (
        "<code>{fragment}</code>: the item is missing after the quantity. Example: "
        "<code>2 generators</code>"
    ),
    "quick.item_too_long": (
        "The item name “{preview}” is too long. Please shorten it to {limit} characters."
    ),
    "quick.too_many_items": (
        "Too many items in one request: {count}, the limit is {limit}. "
        "Please split it into several requests."
    ),
    "quick.invalid_date": (
        "<code>{fragment}</code>: this date does not exist or is written incorrectly. "
        "Use DD.MM.YYYY, e.g. <code>by {example_date}</code>."
    ),
    "quick.past_date": "<code>{fragment}</code>: this date is in the past (today is {today}).",
    "quick.date_too_far": (
        "<code>{fragment}</code>: the date is too far ahead. The latest possible is {latest}."
    ),
    "quick.unknown_flag": (
        "<code>{fragment}</code>: unknown flag. Mark urgency with "
        "!critical, !high, !normal or !low."
    ),
    "quick.conflicting_urgency": (
        "<code>{fragment}</code>: the urgency is already set differently. Please use one flag."
    ),
    "quick.conflicting_date": (
        "<code>{fragment}</code>: the request has two different dates. Please give one."
    ),
    "quick.vague_quantity": (
        "<code>{fragment}</code> – how many exactly? Write one number, for example: "
        "<code>3 generators</code>"
    ),
    "quick.ambiguous_quantity": (
        "<code>{fragment}</code>: there are several numbers here and it is unclear which is "
        "the quantity. Write, for example: <code>5 pcs generator 30 kVA</code>"
    ),
}
