"""Texts for abuse limits: message rate, attachments, invite-code guessing."""

UK: dict[str, str] = {
    "security.rate_limited": "⏳ Ви надсилаєте повідомлення дуже швидко. Зачекайте, будь ласка, {seconds} с — повідомлення, надіслані до того, не будуть оброблені.",
    "security.attachment_too_large": "📎 Файл завеликий ({size} МБ, максимум {limit} МБ), його не прийнято. Опишіть, будь ласка, потребу текстом.",
    "security.attachment_not_kept": "📎 Бот не зберігає файли й фото. Опишіть, будь ласка, потребу текстом — наприклад: /need 2 генератор; 200 уп бинти",
    "security.attachment_caption_used": "📎 Сам файл бот не зберігає — використано лише підпис до нього.",
    "security.invite_cooldown": "🔒 Забагато невдалих спроб із кодом запрошення. Спробуйте знову після {time} (приблизно за {minutes} хв).",
}

DE: dict[str, str] = {
    "security.rate_limited": "⏳ Sie senden sehr schnell hintereinander. Bitte warten Sie {seconds} s – Nachrichten aus dieser Zeit werden nicht bearbeitet.",
    "security.attachment_too_large": "📎 Die Datei ist zu groß ({size} MB, höchstens {limit} MB) und wurde nicht angenommen. Bitte beschreiben Sie den Bedarf als Text.",
    "security.attachment_not_kept": "📎 Der Bot speichert keine Dateien oder Fotos. Bitte beschreiben Sie den Bedarf als Text, z. B.: /need 2 Stromerzeuger; 200 Pkg. Verbandsmaterial",
    "security.attachment_caption_used": "📎 Die Datei selbst speichert der Bot nicht – verwendet wurde nur ihre Beschriftung.",
    "security.invite_cooldown": "🔒 Zu viele falsche Einladungscodes. Bitte versuchen Sie es nach {time} Uhr erneut (in etwa {minutes} Min.).",
}

EN: dict[str, str] = {
    "security.rate_limited": "⏳ You are sending messages very quickly. Please wait {seconds} s — messages sent before then will not be processed.",
    "security.attachment_too_large": "📎 That file is too large ({size} MB, at most {limit} MB) and was not accepted. Please describe the need in text.",
    "security.attachment_not_kept": "📎 The bot does not keep files or photos. Please describe the need in text, for example: /need 2 generator; 200 packs bandages",
    "security.attachment_caption_used": "📎 The bot does not keep the file itself — only its caption was used.",
    "security.invite_cooldown": "🔒 Too many wrong invite codes. Please try again after {time} (in about {minutes} min).",
}
