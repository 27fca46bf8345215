"""Texts for the hub's part of a truck (issue 14): /hub S-12, onward distribution; and the
answer to a /shipment sub-command typed without its shipment."""

UK: dict[str, str] = {
    "help.hub": "хаб: прибуття вантажу й відправлення товарів далі отримувачам",
    "hub.usage": "Вкажіть вантаж: /hub S-12",
    "hub.no_hub": "Вантаж {ref} їде без хабу.",
    "hub.arrival_hint": "Коли вантаж прибуде, натисніть «Прибув».",
    "hub.not_yet": "Вантаж ще не вирушив ({status}).",
    "hub.sent_on": "✅ Відправлено далі {date}",
    "hub.btn.sent_on": "🚚 Відправлено: {org}",
    "hub.nothing_onward": "Усі товари цього вантажу — для хабу.",
    "hub.already": "Це вже записано.",
    "hub.notify.sent_on": "🚚 Ваші товари з транспорту «{name}» ({ref}) відправлено з хабу {hub} до вас:\n{lines}",
    "audit.action.shipment.onward": "Товари відправлено з хабу далі",
    "audit.detail.shipment.onward": "до {org}",
    "ship.need_ref": "Вкажіть вантаж: {command} S-12",
    "ship.not_found_mine": "Вантажу {ref} для вашої організації не знайдено. Ваші запити та їхні вантажі: /my",
}

DE: dict[str, str] = {
    "help.hub": "Umschlaglager: Ankunft eines Transports und Weiterversand an die Empfänger",
    "hub.usage": "Bitte den Transport angeben: /hub S-12",
    "hub.no_hub": "Transport {ref} fährt ohne Umschlaglager.",
    "hub.arrival_hint": "Wenn der Transport angekommen ist, tippen Sie auf „Angekommen“.",
    "hub.not_yet": "Der Transport ist noch nicht abgefahren ({status}).",
    "hub.sent_on": "✅ Weiterversandt am {date}",
    "hub.btn.sent_on": "🚚 Weiterversandt: {org}",
    "hub.nothing_onward": "Alle Waren dieses Transports sind für das Umschlaglager.",
    "hub.already": "Das ist schon vermerkt.",
    "hub.notify.sent_on": "🚚 Ihre Waren aus dem Transport „{name}“ ({ref}) wurden vom Umschlaglager {hub} an Sie weiterversandt:\n{lines}",
    "audit.action.shipment.onward": "Waren vom Umschlaglager weiterversandt",
    "audit.detail.shipment.onward": "an {org}",
    "ship.need_ref": "Bitte den Transport angeben: {command} S-12",
    "ship.not_found_mine": "Transport {ref} für Ihre Organisation nicht gefunden. Ihre Anfragen und ihre Transporte: /my",
}

EN: dict[str, str] = {
    "help.hub": "hub: a truck's arrival and sending the goods on to their recipients",
    "hub.usage": "Name the shipment: /hub S-12",
    "hub.no_hub": "Shipment {ref} travels without a hub.",
    "hub.arrival_hint": "When the truck has arrived, tap “Arrived”.",
    "hub.not_yet": "The truck has not left yet ({status}).",
    "hub.sent_on": "✅ Sent on {date}",
    "hub.btn.sent_on": "🚚 Sent on: {org}",
    "hub.nothing_onward": "All goods of this shipment are for the hub.",
    "hub.already": "That is recorded already.",
    "hub.notify.sent_on": "🚚 Your goods from transport “{name}” ({ref}) were sent on from the hub {hub} to you:\n{lines}",
    "audit.action.shipment.onward": "Goods sent on from the hub",
    "audit.detail.shipment.onward": "to {org}",
    "ship.need_ref": "Name the shipment: {command} S-12",
    "ship.not_found_mine": "No shipment {ref} for your organisation. Your requests and their shipments: /my",
}
