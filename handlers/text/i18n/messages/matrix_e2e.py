"""Texts of Matrix end-to-end encryption (issue 12): said instead of silence when the bot
cannot read an encrypted message."""

UK: dict[str, str] = {
    "matrix.undecryptable": "🔒 Я не зміг прочитати ваше останнє повідомлення (воно зашифроване ключем, якого я не отримав). Надішліть його, будь ласка, ще раз.",
    "matrix.encryption_off": "🔒 У цьому боті шифрування вимкнено, тому я не можу прочитати зашифровані повідомлення. Напишіть мені, будь ласка, у незашифрованому чаті.",
}

DE: dict[str, str] = {
    "matrix.undecryptable": "🔒 Ich konnte Ihre letzte Nachricht nicht lesen (sie ist mit einem Schlüssel verschlüsselt, den ich nicht erhalten habe). Bitte senden Sie sie noch einmal.",
    "matrix.encryption_off": "🔒 Bei diesem Bot ist die Verschlüsselung ausgeschaltet, daher kann ich verschlüsselte Nachrichten nicht lesen. Bitte schreiben Sie mir in einem unverschlüsselten Chat.",
}

EN: dict[str, str] = {
    "matrix.undecryptable": "🔒 I could not read your last message (it is encrypted with a key I did not receive). Please send it again.",
    "matrix.encryption_off": "🔒 Encryption is switched off for this bot, so I cannot read encrypted messages. Please write to me in an unencrypted chat.",
}
