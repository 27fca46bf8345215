"""The item catalog as plain data: what the NRW aid programme ships to Dnipropetrovsk oblast.

Kept apart from the matching code so that adding an item or a synonym is a one-line change a
coordinator can review. ``handlers.catalog`` turns these rows into typed models and indexes.

Synonyms are "|"-separated and deliberately include plural and inflected forms: Ukrainian nouns
change after numerals ("2 генератори", "6 генераторів"), German has plural umlauts ("Zelt",
"Zelte"), and people type what they say. Matching is case- and accent-insensitive, so each form
is written once. A synonym may belong to one item only; tests enforce that.
"""

from __future__ import annotations

from typing import Final, NamedTuple


class CategoryData(NamedTuple):
    key: str
    uk: str
    de: str
    en: str


class ItemData(NamedTuple):
    key: str
    category: str
    unit: str
    uk: str
    de: str
    en: str
    syn_uk: str = ""
    syn_de: str = ""
    syn_en: str = ""


CATEGORIES: Final[tuple[CategoryData, ...]] = (
    CategoryData("medical_supplies", "Медичні вироби", "Medizinprodukte", "Medical supplies"),
    CategoryData("medicines", "Ліки", "Arzneimittel", "Medicines"),
    CategoryData("power", "Енергетика", "Energieversorgung", "Power"),
    CategoryData(
        "water_sanitation", "Вода і санітарія", "Wasser und Hygiene", "Water and sanitation"
    ),
    CategoryData("shelter", "Укриття й обігрів", "Unterkunft und Heizung", "Shelter and heating"),
    CategoryData("vehicles", "Транспорт і техніка", "Fahrzeuge", "Vehicles"),
    CategoryData("food", "Харчування", "Lebensmittel", "Food"),
    CategoryData("other", "Інше", "Sonstiges", "Other"),
)

ITEMS: Final[tuple[ItemData, ...]] = (
    # --- medical supplies: wound care, consumables, devices, hospital furniture ---
    ItemData(
        "bandages",
        "medical_supplies",
        "packs",
        "Бинт",
        "Mullbinde",
        "Bandage",
        "бинти|бинтів|бинта|бинтом|марлевий бинт|марлеві бинти|марлевих бинтів"
        "|еластичний бинт|еластичні бинти|еластичних бинтів",
        "Binde|Binden|Mullbinden|Elastikbinde|Elastikbinden|Fixierbinde|Fixierbinden"
        "|Verband|Verbände|Bandagen",
        "bandages|gauze bandage|gauze bandages|elastic bandage|elastic bandages|roller bandage",
    ),
    ItemData(
        "gauze",
        "medical_supplies",
        "packs",
        "Марля",
        "Verbandmull",
        "Gauze",
        "марлі|марлю|марлею|медична марля|марлеві серветки|марлевих серветок",
        "Mull|Gaze|Mullkompresse|Mullkompressen|Kompresse|Kompressen",
        "gauze swab|gauze swabs|gauze pad|gauze pads|sterile gauze",
    ),
    ItemData(
        "dressings",
        "medical_supplies",
        "packs",
        "Перев'язувальний матеріал",
        "Wundauflage",
        "Wound dressing",
        "перев'язувальні матеріали|перев'язувальних матеріалів|перев'язувального матеріалу"
        "|перев'язувальний|перев'язка|пов'язка|пов'язки|пов'язок|стерильні пов'язки"
        "|пластир|пластирі|пластирів",
        "Wundauflagen|Verbandmaterial|Verbandsmaterial|Verbandstoffe|Wundverband"
        "|Pflaster|Heftpflaster",
        "dressing|dressings|wound dressings|dressing material|dressing materials"
        "|plaster|plasters|adhesive bandage|adhesive bandages",
    ),
    ItemData(
        "hemostatic_gauze",
        "medical_supplies",
        "pcs",
        "Гемостатичний бинт",
        "Blutstillende Gaze",
        "Hemostatic gauze",
        "гемостатичні бинти|гемостатичних бинтів|гемостатик|гемостатики|гемостатиків"
        "|кровоспинний бинт|кровоспинні бинти|гемостатична марля|целокс",
        "Hämostatische Gaze|Hämostyptikum|Hämostatikum|Blutstillender Verband|Quikclot|Celox",
        "haemostatic gauze|hemostatic dressing|hemostatic dressings|hemostatics|combat gauze",
    ),
    ItemData(
        "tourniquet",
        "medical_supplies",
        "pcs",
        "Турнікет",
        "Tourniquet",
        "Tourniquet",
        "турнікети|турнікетів|турнікета|джгут|джгути|джгутів|кровоспинний джгут|кровоспинні джгути",
        "Tourniquets|Abbindesystem|Abbindesysteme|Aderpresse|Aderpressen|Abbinder",
        "tourniquets|cat tourniquet|cat tourniquets",
    ),
    ItemData(
        "first_aid_kit",
        "medical_supplies",
        "pcs",
        "Аптечка",
        "Erste-Hilfe-Set",
        "First aid kit",
        "аптечки|аптечок|аптечку|тактична аптечка|тактичні аптечки|тактичних аптечок"
        "|індивідуальна аптечка|автомобільна аптечка",
        "Erste-Hilfe-Sets|Erste-Hilfe-Kasten|Verbandkasten|Verbandskasten|Verbandkästen"
        "|Sanitätstasche|Notfallrucksack",
        "first aid kits|ifak|ifaks|medical kit|trauma kit",
    ),
    ItemData(
        "syringe",
        "medical_supplies",
        "pcs",
        "Шприц",
        "Spritze",
        "Syringe",
        "шприци|шприців|шприца|шприцу|одноразові шприци|одноразових шприців|одноразовий шприц"
        "|інсулінові шприци|інсулінових шприців",
        "Spritzen|Einwegspritze|Einwegspritzen|Einmalspritze|Einmalspritzen|Insulinspritzen",
        "syringes|disposable syringe|disposable syringes|insulin syringe|insulin syringes",
    ),
    ItemData(
        "needle",
        "medical_supplies",
        "pcs",
        "Ін'єкційна голка",
        "Kanüle",
        "Injection needle",
        "голка|голки|голок|ін'єкційні голки|ін'єкційних голок",
        "Kanülen|Injektionsnadel|Injektionsnadeln|Nadel|Nadeln",
        "needle|needles|injection needles|hypodermic needle|hypodermic needles",
    ),
    ItemData(
        "iv_cannula",
        "medical_supplies",
        "pcs",
        "Венозний катетер",
        "Venenverweilkanüle",
        "IV cannula",
        "катетер|катетери|катетерів|венозні катетери|венозних катетерів|канюля|канюлі|канюль"
        "|внутрішньовенний катетер",
        "Venenverweilkanülen|Braunüle|Braunülen|Venenkatheter|Flexüle|Katheter",
        "iv cannulas|cannula|cannulas|iv catheter|iv catheters|catheter|catheters",
    ),
    ItemData(
        "infusion_set",
        "medical_supplies",
        "pcs",
        "Система для інфузій",
        "Infusionsbesteck",
        "Infusion set",
        "системи для інфузій|систем для інфузій|інфузійна система|інфузійні системи"
        "|інфузійних систем|система для переливання|системи для переливання"
        "|крапельниця|крапельниці|крапельниць",
        "Infusionsbestecke|Infusionssystem|Infusionssysteme|Infusionsleitung|Infusionsleitungen",
        "infusion sets|iv set|iv sets|giving set|giving sets|drip set|drip sets|iv line|iv lines",
    ),
    ItemData(
        "gloves",
        "medical_supplies",
        "boxes",
        "Медичні рукавички",
        "Einmalhandschuhe",
        "Medical gloves",
        "рукавички|рукавичок|нітрилові рукавички|нітрилових рукавичок|оглядові рукавички"
        "|хірургічні рукавички|стерильні рукавички|медичних рукавичок",
        "Handschuhe|Untersuchungshandschuhe|Nitrilhandschuhe|Einweghandschuhe|OP-Handschuhe"
        "|Medizinische Handschuhe",
        "gloves|nitrile gloves|examination gloves|exam gloves|surgical gloves|disposable gloves",
    ),
    ItemData(
        "face_mask",
        "medical_supplies",
        "packs",
        "Медична маска",
        "OP-Maske",
        "Face mask",
        "маска|маски|масок|медичні маски|медичних масок|респіратор|респіратори|респіраторів",
        "Maske|Masken|OP-Masken|Mund-Nasen-Schutz|Atemschutzmaske|Atemschutzmasken"
        "|FFP2-Maske|FFP2-Masken",
        "mask|masks|face masks|surgical mask|surgical masks|respirator|respirators|ffp2 masks",
    ),
    ItemData(
        "surgical_instruments",
        "medical_supplies",
        "sets",
        "Набір хірургічних інструментів",
        "Chirurgisches Instrumentenset",
        "Surgical instrument set",
        "хірургічні інструменти|хірургічних інструментів|хірургічний інструмент"
        "|хірургічний набір|хірургічні набори|хірургічних наборів|скальпель|скальпелі"
        "|скальпелів",
        "Chirurgische Instrumente|Chirurgisches Besteck|OP-Besteck|OP-Instrumente"
        "|Skalpell|Skalpelle",
        "surgical instruments|surgical instrument|surgical kit|scalpel|scalpels",
    ),
    ItemData(
        "sutures",
        "medical_supplies",
        "packs",
        "Шовний матеріал",
        "Nahtmaterial",
        "Suture material",
        "шовного матеріалу|шовні матеріали|хірургічні нитки|хірургічних ниток|кетгут",
        "Chirurgisches Nahtmaterial|Nahtmaterialien|Chirurgische Fäden",
        "sutures|suture|surgical sutures",
    ),
    ItemData(
        "hospital_bed",
        "medical_supplies",
        "pcs",
        "Лікарняне ліжко",
        "Krankenhausbett",
        "Hospital bed",
        "лікарняні ліжка|лікарняних ліжок|лікарняного ліжка|ліжко|ліжка|ліжок"
        "|медичне ліжко|медичні ліжка|медичних ліжок|функціональне ліжко|функціональні ліжка"
        "|функціональних ліжок|реанімаційне ліжко|реанімаційні ліжка",
        "Krankenhausbetten|Krankenbett|Krankenbetten|Pflegebett|Pflegebetten|Klinikbett"
        "|Klinikbetten|Intensivbett|Bett|Betten",
        "hospital beds|medical bed|medical beds|patient bed|patient beds|bed|beds|icu bed",
    ),
    ItemData(
        "hospital_furniture",
        "medical_supplies",
        "pcs",
        "Лікарняні меблі",
        "Krankenhausmöbel",
        "Hospital furniture",
        "меблі|меблів|медичні меблі|медичних меблів|лікарняних меблів|приліжкова тумба"
        "|приліжкові тумби|медична шафа|медичні шафи|кушетка|кушетки|кушеток",
        "Krankenhausmobiliar|Klinikmöbel|Möbel|Nachttisch|Nachttische|Untersuchungsliege"
        "|Untersuchungsliegen|Liege|Liegen",
        "furniture|medical furniture|bedside cabinet|bedside cabinets|examination couch"
        "|treatment couch",
    ),
    ItemData(
        "stretcher",
        "medical_supplies",
        "pcs",
        "Ноші",
        "Krankentrage",
        "Stretcher",
        "нош|евакуаційні ноші|м'які ноші|ноші-волокуші|волокуші|волокуша|каталка|каталки|каталок",
        "Trage|Tragen|Krankentragen|Rettungstrage|Rettungstragen|Schleiftrage|Schaufeltrage"
        "|Rolltrage",
        "stretchers|litter|litters|gurney|gurneys|evacuation stretcher",
    ),
    ItemData(
        "wheelchair",
        "medical_supplies",
        "pcs",
        "Інвалідний візок",
        "Rollstuhl",
        "Wheelchair",
        "інвалідні візки|інвалідних візків|інвалідного візка|крісло колісне|крісла колісні"
        "|крісел колісних|візок інвалідний|візки інвалідні",
        "Rollstühle|Rollstuhls|Rollstühlen|Faltrollstuhl",
        "wheelchairs|wheel chair|wheel chairs",
    ),
    ItemData(
        "crutches",
        "medical_supplies",
        "pairs",
        "Милиці",
        "Unterarmgehstützen",
        "Crutches",
        "милиця|милиць|милицю",
        "Gehstützen|Gehstütze|Krücken|Krücke|Unterarmgehstütze",
        "crutch",
    ),
    ItemData(
        "patient_monitor",
        "medical_supplies",
        "pcs",
        "Монітор пацієнта",
        "Patientenmonitor",
        "Patient monitor",
        "монітори пацієнта|моніторів пацієнта|кардіомонітор|кардіомонітори|кардіомоніторів"
        "|приліжковий монітор",
        "Patientenmonitore|Überwachungsmonitor|Vitaldatenmonitor|Monitor",
        "patient monitors|vital signs monitor|bedside monitor|monitor",
    ),
    ItemData(
        "defibrillator",
        "medical_supplies",
        "pcs",
        "Дефібрилятор",
        "Defibrillator",
        "Defibrillator",
        "дефібрилятори|дефібриляторів|дефібрилятора|автоматичний зовнішній дефібрилятор",
        "Defibrillatoren|Defi|Defis|AED",
        "defibrillators|aeds|defib",
    ),
    ItemData(
        "ventilator",
        "medical_supplies",
        "pcs",
        "Апарат ШВЛ",
        "Beatmungsgerät",
        "Ventilator",
        "швл|апарати швл|апаратів швл|апарат штучної вентиляції легень"
        "|апарати штучної вентиляції легень",
        "Beatmungsgeräte|Intensivbeatmungsgerät|Transportbeatmungsgerät",
        "ventilators|mechanical ventilator|breathing machine",
    ),
    ItemData(
        "oxygen_concentrator",
        "medical_supplies",
        "pcs",
        "Кисневий концентратор",
        "Sauerstoffkonzentrator",
        "Oxygen concentrator",
        "кисневі концентратори|кисневих концентраторів|концентратор кисню|концентратори кисню"
        "|концентраторів кисню",
        "Sauerstoffkonzentratoren|Sauerstoffgerät|Sauerstoffgeräte",
        "oxygen concentrators|o2 concentrator",
    ),
    ItemData(
        "ultrasound",
        "medical_supplies",
        "pcs",
        "Апарат УЗД",
        "Ultraschallgerät",
        "Ultrasound scanner",
        "узд|апарати узд|апаратів узд|ультразвуковий апарат|ультразвуковий сканер",
        "Ultraschallgeräte|Ultraschall|Sonografiegerät",
        "ultrasound|ultrasound machine|ultrasound machines|ultrasound scanners",
    ),
    ItemData(
        "rescue_blanket",
        "medical_supplies",
        "pcs",
        "Термоковдра",
        "Rettungsdecke",
        "Rescue blanket",
        "термоковдри|термоковдр|ізотермічна ковдра|ізотермічні ковдри|рятувальна ковдра",
        "Rettungsdecken|Notfalldecke|Rettungsfolie",
        "rescue blankets|emergency blanket|emergency blankets|space blanket|thermal blanket"
        "|foil blanket",
    ),
    # --- medicines ---
    ItemData(
        "antibiotics",
        "medicines",
        "packs",
        "Антибіотики",
        "Antibiotika",
        "Antibiotics",
        "антибіотик|антибіотиків|антибіотика|антибактеріальні препарати"
        "|антибактеріальних препаратів|амоксицилін|цефтріаксон",
        "Antibiotikum|Antibiotikums",
        "antibiotic|antibacterials|amoxicillin|ceftriaxone",
    ),
    ItemData(
        "painkillers",
        "medicines",
        "packs",
        "Знеболювальні",
        "Schmerzmittel",
        "Painkillers",
        "знеболювальне|знеболювальних|знеболювальні засоби|знеболювальних засобів"
        "|знеболюючі|знеболюючих|знеболююче|анальгетики|анальгетиків|анальгетик"
        "|парацетамол|ібупрофен|кеторолак",
        "Schmerzmitteln|Schmerztabletten|Analgetika|Analgetikum|Schmerzmedikamente"
        "|Ibuprofen|Paracetamol",
        "painkiller|pain killers|pain relievers|pain medication|analgesics|analgesic|acetaminophen",
    ),
    ItemData(
        "antihypertensives",
        "medicines",
        "packs",
        "Препарати від тиску",
        "Blutdrucksenker",
        "Blood pressure medication",
        "антигіпертензивні|антигіпертензивні препарати|антигіпертензивних препаратів"
        "|гіпотензивні|гіпотензивні препарати|гіпотензивних препаратів|ліки від тиску"
        "|препаратів від тиску|таблетки від тиску|ліки від гіпертонії|еналаприл|амлодипін"
        "|лізиноприл",
        "Blutdruckmittel|Blutdrucksenkende Mittel|Blutdrucksenkende Medikamente"
        "|Blutdruckmedikamente|Blutdrucktabletten|Antihypertensiva|Antihypertonika",
        "antihypertensives|antihypertensive|blood pressure medicine|blood pressure medicines"
        "|blood pressure medications|blood pressure pills|hypertension medication|enalapril"
        "|amlodipine|lisinopril",
    ),
    ItemData(
        "insulin",
        "medicines",
        "packs",
        "Інсулін",
        "Insulin",
        "Insulin",
        "інсуліну|інсуліни|інсулінів|інсулінові ручки|інсулінові шприц-ручки",
        "Insuline|Insulinpen|Insulinpens",
        "insulins|insulin pen|insulin pens",
    ),
    ItemData(
        "iv_fluids",
        "medicines",
        "bottles",
        "Інфузійні розчини",
        "Infusionslösungen",
        "IV fluids",
        "інфузійний розчин|інфузійних розчинів|розчини для інфузій|розчинів для інфузій"
        "|розчин для інфузій|фізрозчин|фізрозчину|фізіологічний розчин"
        "|фізіологічного розчину|натрію хлорид|розчин рінгера|рінгер|глюкоза|глюкози",
        "Infusionslösung|Kochsalzlösung|Kochsalzlösungen|Ringerlösung|Ringer-Laktat"
        "|Glukoselösung|Infusionen|NaCl",
        "iv fluid|intravenous fluids|infusion solution|infusion solutions|saline"
        "|normal saline|ringers|ringer lactate|glucose solution",
    ),
    ItemData(
        "antiseptic",
        "medicines",
        "bottles",
        "Антисептик",
        "Antiseptikum",
        "Antiseptic",
        "антисептики|антисептиків|антисептика|хлоргексидин|хлоргексидину|перекис водню"
        "|перекису водню|йод|йоду|бетадин|повідон-йод|медичний спирт|спирт медичний",
        "Antiseptika|Wundantiseptikum|Wunddesinfektion|Wasserstoffperoxid|Jod|Jodlösung"
        "|Betaisodona|Octenisept|Chlorhexidin",
        "antiseptics|chlorhexidine|hydrogen peroxide|iodine|povidone iodine|betadine"
        "|medical alcohol|rubbing alcohol",
    ),
    ItemData(
        "anaesthetics",
        "medicines",
        "packs",
        "Анестетики",
        "Anästhetika",
        "Anaesthetics",
        "анестетик|анестетиків|місцеві анестетики|засоби для наркозу|препарати для наркозу"
        "|наркоз|лідокаїн|лідокаїну|новокаїн|кетамін|пропофол",
        "Anästhetikum|Narkosemittel|Lokalanästhetika|Lokalanästhetikum|Lidocain|Ketamin|Propofol",
        "anesthetics|anaesthetic|anesthetic|local anaesthetics|lidocaine|ketamine",
    ),
    ItemData(
        "cardiac_medicines",
        "medicines",
        "packs",
        "Серцеві препарати",
        "Herzmedikamente",
        "Cardiac medicines",
        "серцеві ліки|серцевих препаратів|кардіологічні препарати|кардіологічних препаратів"
        "|ліки для серця|антиаритмічні препарати|аміодарон|нітрогліцерин",
        "Herzmittel|Herzmedikament|Kardiaka|Antiarrhythmika|Nitroglycerin|Amiodaron",
        "cardiac drugs|heart medication|heart medicines|cardiac medication|antiarrhythmics"
        "|amiodarone",
    ),
    ItemData(
        "anticoagulants",
        "medicines",
        "packs",
        "Антикоагулянти",
        "Antikoagulanzien",
        "Anticoagulants",
        "антикоагулянт|антикоагулянтів|гепарин|гепарину|еноксапарин",
        "Blutverdünner|Gerinnungshemmer|Heparin|Enoxaparin|Antikoagulans",
        "anticoagulant|blood thinners|blood thinner",
    ),
    ItemData(
        "antidiabetics",
        "medicines",
        "packs",
        "Протидіабетичні препарати",
        "Antidiabetika",
        "Diabetes medication",
        "ліки від діабету|препарати від діабету|цукрознижувальні препарати|метформін|метформіну",
        "Diabetesmedikamente|Antidiabetikum|Metformin",
        "antidiabetics|diabetes medicines|diabetes drugs",
    ),
    ItemData(
        "vaccines",
        "medicines",
        "packs",
        "Вакцини",
        "Impfstoffe",
        "Vaccines",
        "вакцина|вакцин|правцевий анатоксин|вакцина від правця",
        "Impfstoff|Tetanusimpfstoff|Tetanus-Impfstoff",
        "vaccine|tetanus vaccine|tetanus toxoid",
    ),
    ItemData(
        "burn_care",
        "medicines",
        "packs",
        "Протиопікові засоби",
        "Brandwundenversorgung",
        "Burn care",
        "протиопікові пов'язки|протиопікових пов'язок|протиопікова пов'язка|протиопіковий гель"
        "|мазь від опіків|засоби від опіків",
        "Brandgel|Brandwundengel|Verbrennungsgel|Brandwundenverband|Brandwundenverbände|Brandsalbe",
        "burn dressings|burn dressing|burn gel|burn kit|burn care products",
    ),
    ItemData(
        "antihistamines",
        "medicines",
        "packs",
        "Антигістамінні препарати",
        "Antihistaminika",
        "Antihistamines",
        "антигістамінні|антигістамінних препаратів|антигістамінних|протиалергічні|ліки від алергії",
        "Antihistaminikum|Allergiemittel|Allergietabletten",
        "antihistamine|allergy medication|allergy medicines",
    ),
    # --- power ---
    ItemData(
        "generator",
        "power",
        "pcs",
        "Генератор",
        "Stromerzeuger",
        "Generator",
        "генератори|генераторів|генератора|генератору|генераторами|дизельний генератор"
        "|дизельні генератори|дизельних генераторів|дизель-генератор|дизель-генератори"
        "|дизельгенератор|електрогенератор|електрогенератори|бензиновий генератор"
        "|бензогенератор|бензогенератори",
        "Generatoren|Notstromaggregat|Notstromaggregate|Notstromaggregaten|Stromaggregat"
        "|Stromaggregate|Aggregat|Aggregate|Stromerzeugern|Dieselgenerator|Dieselgeneratoren"
        "|Notstromgenerator",
        "generators|genset|gensets|power generator|diesel generator|diesel generators"
        "|backup generator",
    ),
    ItemData(
        "transformer",
        "power",
        "pcs",
        "Трансформатор",
        "Transformator",
        "Transformer",
        "трансформатори|трансформаторів|трансформатора|трансформаторна підстанція"
        "|трансформаторні підстанції|підстанція|підстанції",
        "Transformatoren|Trafo|Trafos|Trafostation|Umspanner",
        "transformers|substation|power transformer",
    ),
    ItemData(
        "fuel",
        "power",
        "l",
        "Пальне",
        "Kraftstoff",
        "Fuel",
        "пального|паливо|палива|дизельне паливо|дизельного палива|дизпаливо|дизпалива"
        "|дизель|дизеля|солярка|солярки|бензин|бензину",
        "Treibstoff|Diesel|Dieselkraftstoff|Benzin|Heizöl",
        "diesel fuel|petrol|gasoline",
    ),
    ItemData(
        "cable",
        "power",
        "m",
        "Кабель",
        "Kabel",
        "Cable",
        "кабелі|кабелю|кабелів|кабеля|силовий кабель|силового кабелю|електрокабель|провід"
        "|проводи|проводів|подовжувач|подовжувачі|подовжувачів",
        "Kabeln|Stromkabel|Starkstromkabel|Verlängerungskabel|Kabeltrommel|Kabeltrommeln",
        "cables|power cable|power cables|extension cord|extension cords|extension cable"
        "|wire|cable reel",
    ),
    ItemData(
        "battery",
        "power",
        "pcs",
        "Акумулятор",
        "Akku",
        "Battery",
        "акумулятори|акумуляторів|акумулятора|акб|батарея|батареї|батарей|батарейки"
        "|батарейок|акумуляторна батарея|акумуляторні батареї",
        "Akkus|Akkumulator|Batterie|Batterien|Autobatterie|Starterbatterie",
        "batteries|accumulator|car battery|aa batteries",
    ),
    ItemData(
        "power_bank",
        "power",
        "pcs",
        "Павербанк",
        "Powerbank",
        "Power bank",
        "павербанки|павербанків|павербанка|повербанк|повербанки|повербанків"
        "|портативний акумулятор|портативні акумулятори|зовнішній акумулятор",
        "Powerbanks|Zusatzakku|Externer Akku",
        "power banks|powerbanks|portable charger",
    ),
    ItemData(
        "power_station",
        "power",
        "pcs",
        "Зарядна станція",
        "Powerstation",
        "Portable power station",
        "зарядні станції|зарядних станцій|зарядну станцію|портативна зарядна станція"
        "|портативні зарядні станції|екофлоу",
        "Powerstations|Tragbare Powerstation|Stromspeicher|Akkustation",
        "power station|power stations|portable power stations|charging station|ecoflow|bluetti",
    ),
    ItemData(
        "solar_panel",
        "power",
        "pcs",
        "Сонячна панель",
        "Solarmodul",
        "Solar panel",
        "сонячні панелі|сонячних панелей|сонячну панель|сонячна батарея|сонячні батареї"
        "|сонячних батарей",
        "Solarmodule|Solarpanel|Solarpanels|Solarpaneele|PV-Modul|PV-Module|Photovoltaikmodul",
        "solar panels|solar module|solar modules|pv panel|pv panels",
    ),
    ItemData(
        "inverter",
        "power",
        "pcs",
        "Інвертор",
        "Wechselrichter",
        "Inverter",
        "інвертори|інверторів|інвертора|гібридний інвертор",
        "Wechselrichtern",
        "inverters|power inverter|hybrid inverter",
    ),
    ItemData(
        "ups",
        "power",
        "pcs",
        "Джерело безперебійного живлення",
        "USV",
        "UPS",
        "дбж|безперебійник|безперебійники|безперебійників|джерела безперебійного живлення",
        "USV-Anlage|USV-Anlagen|Unterbrechungsfreie Stromversorgung",
        "uninterruptible power supply|ups units",
    ),
    ItemData(
        "flashlight",
        "power",
        "pcs",
        "Ліхтарик",
        "Taschenlampe",
        "Torch",
        "ліхтарики|ліхтариків|ліхтар|ліхтарі|ліхтарів|налобний ліхтар|налобні ліхтарі"
        "|налобних ліхтарів|кемпінговий ліхтар",
        "Taschenlampen|Stirnlampe|Stirnlampen|Campinglampe|Laterne|Laternen",
        "torches|flashlight|flashlights|headlamp|headlamps|headtorch|lantern|lanterns",
    ),
    ItemData(
        "floodlight",
        "power",
        "pcs",
        "Прожектор",
        "Baustrahler",
        "Floodlight",
        "прожектори|прожекторів|прожектора|світлодіодний прожектор|освітлювальна щогла"
        "|освітлювальна вежа",
        "Strahler|Scheinwerfer|LED-Strahler|Flutlicht|Lichtmast|Beleuchtungsmast",
        "floodlights|work light|work lights|light tower|lighting tower",
    ),
    ItemData(
        "fuel_canister",
        "power",
        "pcs",
        "Каністра",
        "Kanister",
        "Jerrycan",
        "каністри|каністр|каністру|каністра для пального",
        "Benzinkanister|Dieselkanister|Reservekanister",
        "jerrycans|jerry can|jerry cans|fuel can|fuel canister|canister|canisters",
    ),
    # --- water and sanitation ---
    ItemData(
        "water_treatment_unit",
        "water_sanitation",
        "pcs",
        "Водоочисна установка",
        "Wasseraufbereitungsanlage",
        "Water treatment unit",
        "водоочисні установки|водоочисних установок|водоочисну установку"
        "|установка очищення води|установки очищення води|станція очищення води"
        "|станція водоочищення|водоочисна станція|водоочисні станції"
        "|мобільна водоочисна станція|водоочищувальна установка",
        "Wasseraufbereitungsanlagen|Wasseraufbereitung|Trinkwasseraufbereitungsanlage"
        "|Trinkwasseraufbereitungsanlagen|Trinkwasseraufbereitung|Wasseraufbereiter"
        "|Wasserreinigungsanlage",
        "water treatment units|water treatment plant|water purification unit"
        "|water purification units|water purifier|water purification system",
    ),
    ItemData(
        "pump",
        "water_sanitation",
        "pcs",
        "Насос",
        "Pumpe",
        "Pump",
        "насоси|насосів|насоса|насосу|помпа|помпи|мотопомпа|мотопомпи|мотопомп|водяний насос"
        "|водяні насоси|насос для води|насоси для води|дренажний насос|дренажні насоси"
        "|занурювальний насос|заглибний насос|фекальний насос",
        "Pumpen|Wasserpumpe|Wasserpumpen|Tauchpumpe|Tauchpumpen|Motorpumpe|Motorpumpen"
        "|Schmutzwasserpumpe|Kreiselpumpe",
        "pumps|water pump|water pumps|submersible pump|motor pump|trash pump|drainage pump",
    ),
    ItemData(
        "water_tank",
        "water_sanitation",
        "pcs",
        "Ємність для води",
        "Wassertank",
        "Water tank",
        "ємності для води|ємностей для води|ємність|ємності|ємностей|бак для води"
        "|баки для води|резервуар|резервуари|резервуарів|єврокуб|єврокуби|єврокубів"
        "|бочка|бочки",
        "Wassertanks|Wasserbehälter|Tank|Tanks|IBC-Container|Faltbehälter|Wasserkanister",
        "water tanks|water container|water containers|tank|tanks|ibc tote|ibc|bladder tank",
    ),
    ItemData(
        "drinking_water",
        "water_sanitation",
        "l",
        "Питна вода",
        "Trinkwasser",
        "Drinking water",
        "вода|води|воду|питної води|питну воду|бутильована вода|бутильованої води"
        "|вода в пляшках|мінеральна вода",
        "Wasser|Mineralwasser|Flaschenwasser|Wasserflaschen|Trinkwasserflaschen",
        "water|bottled water|potable water|mineral water",
    ),
    ItemData(
        "water_filter",
        "water_sanitation",
        "pcs",
        "Фільтр для води",
        "Wasserfilter",
        "Water filter",
        "фільтри для води|фільтрів для води|водяний фільтр|водяні фільтри|фільтр|фільтри"
        "|фільтрів|картриджі для фільтрів",
        "Filter|Filterkartusche|Filterkartuschen|Trinkwasserfilter",
        "water filters|filters|filter cartridges|portable water filter",
    ),
    ItemData(
        "water_purification_tablets",
        "water_sanitation",
        "packs",
        "Таблетки для знезараження води",
        "Wasserentkeimungstabletten",
        "Water purification tablets",
        "таблетки для очищення води|таблеток для очищення води|таблеток для знезараження води"
        "|хлорні таблетки|хлорних таблеток|таблетки для води|акватабс",
        "Wasserreinigungstabletten|Entkeimungstabletten|Chlortabletten"
        "|Wasserdesinfektionstabletten|Micropur",
        "water purification tablet|chlorine tablets|aquatabs|water tablets",
    ),
    ItemData(
        "disinfectant",
        "water_sanitation",
        "l",
        "Дезінфекційний засіб",
        "Desinfektionsmittel",
        "Disinfectant",
        "дезінфекційні засоби|дезінфекційних засобів|дезінфекційного засобу|дезінфектант"
        "|дезінфектанти|дезінфектантів|дезрозчин|дезрозчини|засіб для дезінфекції"
        "|засоби для дезінфекції|засобів для дезінфекції|дезінфекція|санітайзер|санітайзери"
        "|антисептик для рук",
        "Desinfektionsmitteln|Flächendesinfektion|Flächendesinfektionsmittel"
        "|Händedesinfektion|Händedesinfektionsmittel|Handdesinfektionsmittel|Desinfektion"
        "|Sterillium",
        "disinfectants|sanitizer|sanitiser|hand sanitizer|hand sanitiser|surface disinfectant"
        "|disinfection",
    ),
    ItemData(
        "hygiene_kit",
        "water_sanitation",
        "pcs",
        "Гігієнічний набір",
        "Hygieneset",
        "Hygiene kit",
        "гігієнічні набори|гігієнічних наборів|гігієнічного набору|набір гігієни|набори гігієни"
        "|засоби гігієни|засобів гігієни|засоби особистої гігієни|гігієнічні засоби"
        "|гігієнічних засобів",
        "Hygienesets|Hygienepaket|Hygienepakete|Hygieneartikel|Hygienebeutel|Hygieneprodukte",
        "hygiene kits|hygiene products|hygiene items|hygiene supplies|toiletries|dignity kit",
    ),
    ItemData(
        "soap",
        "water_sanitation",
        "pcs",
        "Мило",
        "Seife",
        "Soap",
        "мила|рідке мило|рідкого мила|господарське мило",
        "Seifen|Flüssigseife|Flüssigseifen|Kernseife",
        "liquid soap|bar soap|soaps",
    ),
    ItemData(
        "diapers",
        "water_sanitation",
        "packs",
        "Підгузки",
        "Windeln",
        "Diapers",
        "підгузок|підгузків|підгузники|підгузників|памперси|памперсів|підгузки для дорослих"
        "|дитячі підгузки|пелюшки",
        "Windel|Erwachsenenwindeln|Inkontinenzmaterial|Inkontinenzhosen|Babywindeln"
        "|Krankenunterlagen",
        "diaper|nappies|nappy|adult diapers|incontinence pads|baby diapers",
    ),
    ItemData(
        "mobile_toilet",
        "water_sanitation",
        "pcs",
        "Біотуалет",
        "Mobiltoilette",
        "Portable toilet",
        "біотуалети|біотуалетів|мобільний туалет|мобільні туалети|туалетна кабіна"
        "|туалетні кабіни|хімтуалет",
        "Mobiltoiletten|Dixi|Toilettenkabine|Toilettenkabinen|Chemietoilette|Chemietoiletten",
        "portable toilets|chemical toilet|chemical toilets|toilet cabin|porta potty",
    ),
    ItemData(
        "toilet_paper",
        "water_sanitation",
        "rolls",
        "Туалетний папір",
        "Toilettenpapier",
        "Toilet paper",
        "туалетного паперу|папір туалетний",
        "Klopapier|Toilettenpapierrollen",
        "toilet rolls|loo roll|toilet tissue",
    ),
    ItemData(
        "hose",
        "water_sanitation",
        "pcs",
        "Шланг",
        "Schlauch",
        "Hose",
        "шланги|шлангів|шланга|пожежний рукав|пожежні рукави|пожежних рукавів|напірний рукав",
        "Schläuche|Feuerwehrschlauch|Feuerwehrschläuche|Wasserschlauch",
        "hoses|fire hose|fire hoses|water hose|garden hose",
    ),
    ItemData(
        "mobile_shower",
        "water_sanitation",
        "pcs",
        "Мобільний душ",
        "Duschcontainer",
        "Mobile shower",
        "мобільні душі|мобільних душів|душова кабіна|душові кабіни|польовий душ|душ",
        "Mobile Dusche|Feldduschen|Campingdusche|Dusche|Duschen",
        "mobile showers|shower unit|field shower|camp shower|shower|showers",
    ),
    # --- shelter and heating ---
    ItemData(
        "tent",
        "shelter",
        "pcs",
        "Намет",
        "Zelt",
        "Tent",
        "намети|наметів|намета|намету|палатка|палатки|палаток|модульний намет|модульні намети"
        "|армійський намет|пневмокаркасний намет|пневмокаркасні намети",
        "Zelte|Zelten|Zelts|Großraumzelt|Großraumzelte|Mannschaftszelt|Sanitätszelt"
        "|Sanitätszelte|Pneumatikzelt|Schnelleinsatzzelt",
        "tents|army tent|field tent|inflatable tent|shelter tent|medical tent",
    ),
    ItemData(
        "tent_heater",
        "shelter",
        "pcs",
        "Обігрівач для намету",
        "Zeltheizung",
        "Tent heater",
        "обігрівачі для наметів|обігрівачів для наметів|обігрівач для наметів|пічка для намету"
        "|пічки для наметів|пічок для наметів|наметова пічка|буржуйка|буржуйки|буржуйок"
        "|пічка|пічки|піч|печі",
        "Zeltheizungen|Zeltofen|Zeltöfen|Ofen|Öfen|Holzofen|Kanonenofen|Zeltheizgerät",
        "tent heaters|tent stove|tent stoves|stove|stoves|wood stove|wood burner",
    ),
    ItemData(
        "heater",
        "shelter",
        "pcs",
        "Обігрівач",
        "Heizgerät",
        "Heater",
        "обігрівачі|обігрівачів|обігрівача|електрообігрівач|електрообігрівачі|газовий обігрівач"
        "|газові обігрівачі|теплова гармата|теплові гармати|теплових гармат|тепловентилятор"
        "|тепловентилятори|конвектор|конвектори|масляний радіатор",
        "Heizgeräte|Heizlüfter|Heizkanone|Heizkanonen|Heizstrahler|Gasheizer|Gasheizung"
        "|Elektroheizung|Radiator|Ölradiator|Konvektor",
        "heaters|space heater|space heaters|electric heater|gas heater|heat cannon"
        "|diesel heater|convector heater|radiator",
    ),
    ItemData(
        "sleeping_bag",
        "shelter",
        "pcs",
        "Спальний мішок",
        "Schlafsack",
        "Sleeping bag",
        "спальні мішки|спальних мішків|спального мішка|спальник|спальники|спальників"
        "|зимовий спальник|зимові спальники",
        "Schlafsäcke|Schlafsäcken|Winterschlafsack",
        "sleeping bags|winter sleeping bag",
    ),
    ItemData(
        "blanket",
        "shelter",
        "pcs",
        "Ковдра",
        "Decke",
        "Blanket",
        "ковдри|ковдр|ковдру|плед|пледи|пледів|вовняна ковдра|вовняні ковдри|теплі ковдри",
        "Decken|Wolldecke|Wolldecken|Fleecedecke|Bettdecke|Bettdecken",
        "blankets|wool blanket|wool blankets|fleece blanket",
    ),
    ItemData(
        "mattress",
        "shelter",
        "pcs",
        "Матрац",
        "Matratze",
        "Mattress",
        "матраци|матраців|матраца|матрас|матраси|матрасів|каремат|каремати|карематів|карімат"
        "|туристичний килимок|туристичні килимки",
        "Matratzen|Isomatte|Isomatten|Schaumstoffmatratze|Luftmatratze|Luftmatratzen",
        "mattresses|sleeping mat|sleeping mats|camping mat|foam mat|air mattress",
    ),
    ItemData(
        "camp_bed",
        "shelter",
        "pcs",
        "Розкладне ліжко",
        "Feldbett",
        "Camp bed",
        "розкладні ліжка|розкладних ліжок|розкладачка|розкладачки|розкладачок|розкладушка"
        "|розкладушки|похідне ліжко|армійське ліжко",
        "Feldbetten|Klappbett|Klappbetten|Campingbett|Campingbetten|Faltbett",
        "camp beds|cot|cots|folding bed|folding beds|field bed|army cot",
    ),
    ItemData(
        "tarpaulin",
        "shelter",
        "pcs",
        "Тент брезентовий",
        "Plane",
        "Tarpaulin",
        "брезент|брезенту|тент|тенти|тентів|тенту",
        "Planen|Abdeckplane|Abdeckplanen|Schutzplane|Gewebeplane|LKW-Plane",
        "tarpaulins|tarp|tarps|canvas",
    ),
    ItemData(
        "plastic_sheeting",
        "shelter",
        "rolls",
        "Плівка",
        "Folie",
        "Plastic sheeting",
        "плівки|плівку|поліетиленова плівка|поліетиленової плівки|плівка для вікон"
        "|плівки для вікон|армована плівка|армованої плівки|укривна плівка|поліетилен",
        "Folien|Baufolie|Baufolien|Abdeckfolie|Schutzfolie|Fensterfolie|Plastikfolie"
        "|Polyethylenfolie|PE-Folie",
        "plastic sheet|plastic sheets|plastic film|polyethylene sheeting|poly sheeting"
        "|window film|reinforced film|sheeting",
    ),
    ItemData(
        "osb_board",
        "shelter",
        "pcs",
        "OSB-плита",
        "OSB-Platte",
        "OSB board",
        "osb|осб|плити osb|плит osb|плита osb|osb плити|осб плити|осб плита|плити осб|плит осб",
        "OSB-Platten|Grobspanplatte|Grobspanplatten|Spanplatte|Spanplatten",
        "osb boards|osb sheets|osb sheet|chipboard",
    ),
    ItemData(
        "plywood",
        "shelter",
        "pcs",
        "Фанера",
        "Sperrholz",
        "Plywood",
        "фанери|фанеру|лист фанери|листи фанери|листів фанери",
        "Sperrholzplatte|Sperrholzplatten",
        "plywood sheets|plywood sheet|plywood boards",
    ),
    ItemData(
        "modular_house",
        "shelter",
        "pcs",
        "Модульний будинок",
        "Wohncontainer",
        "Modular housing unit",
        "модульні будинки|модульних будинків|модульного будинку|модульне житло"
        "|побутовий контейнер|побутові контейнери|житловий контейнер|житлові контейнери"
        "|контейнер|контейнери|контейнерів|модульне містечко",
        "Wohncontainern|Wohnmodul|Wohnmodule|Containerhaus|Modulhaus|Modulhäuser"
        "|Bürocontainer|Container",
        "modular houses|modular house|modular homes|housing container|container home"
        "|living container|containers",
    ),
    # --- vehicles and machinery ---
    ItemData(
        "ambulance",
        "vehicles",
        "pcs",
        "Автомобіль швидкої допомоги",
        "Rettungswagen",
        "Ambulance",
        "швидка допомога|швидкої допомоги|машина швидкої допомоги"
        "|машини швидкої допомоги|машину швидкої допомоги|автомобілі швидкої допомоги"
        "|автомобілів швидкої допомоги|карета швидкої допомоги|реанімобіль|реанімобілі"
        "|реанімобілів|санітарний автомобіль|санітарні автомобілі|санітарних автомобілів",
        "Rettungswägen|Krankenwagen|Krankenwägen|Krankentransportwagen|Notarztwagen|RTW|KTW",
        "ambulances|ambulance vehicle|emergency ambulance|patient transport vehicle",
    ),
    ItemData(
        "fire_engine",
        "vehicles",
        "pcs",
        "Пожежний автомобіль",
        "Feuerwehrfahrzeug",
        "Fire engine",
        "пожежні автомобілі|пожежних автомобілів|пожежного автомобіля|пожежна машина"
        "|пожежні машини|пожежних машин|пожежну машину|пожежна автоцистерна"
        "|пожежні автоцистерни|пожежних автоцистерн|пожежка|пожежки",
        "Feuerwehrfahrzeuge|Feuerwehrauto|Feuerwehrautos|Feuerwehrwagen|Löschfahrzeug"
        "|Löschfahrzeuge|Tanklöschfahrzeug|Tanklöschfahrzeuge|Löschgruppenfahrzeug|HLF|TLF",
        "fire engines|fire truck|fire trucks|fire tender|fire appliance|firefighting vehicle"
        "|fire fighting vehicle",
    ),
    ItemData(
        "rescue_vehicle",
        "vehicles",
        "pcs",
        "Аварійно-рятувальний автомобіль",
        "Rüstwagen",
        "Rescue vehicle",
        "аварійно-рятувальні автомобілі|аварійно-рятувальних автомобілів"
        "|рятувальний автомобіль|рятувальні автомобілі|рятувальних автомобілів"
        "|рятувальна машина|рятувальні машини|рятувальних машин|аварійно-рятувальна машина",
        "Rüstwägen|Rettungsfahrzeug|Rettungsfahrzeuge|Hilfeleistungsfahrzeug|Gerätewagen",
        "rescue vehicles|rescue truck|rescue trucks|technical rescue vehicle|heavy rescue vehicle",
    ),
    ItemData(
        "pickup",
        "vehicles",
        "pcs",
        "Пікап",
        "Pick-up",
        "Pickup truck",
        "пікапи|пікапів|пікапа|позашляховик|позашляховики|позашляховиків",
        "Pick-ups|Pickups|Geländewagen|Geländefahrzeug",
        "pickup|pickup trucks|off-road vehicle|4x4|suv",
    ),
    ItemData(
        "truck",
        "vehicles",
        "pcs",
        "Вантажівка",
        "Lkw",
        "Truck",
        "вантажівки|вантажівок|вантажний автомобіль|вантажні автомобілі"
        "|вантажних автомобілів|фура|фури",
        "Lkws|Lastwagen|Lastkraftwagen",
        "trucks|lorry|lorries|cargo truck",
    ),
    ItemData(
        "minibus",
        "vehicles",
        "pcs",
        "Мікроавтобус",
        "Kleinbus",
        "Minibus",
        "мікроавтобуси|мікроавтобусів|бус|буси|бусів|бусик",
        "Kleinbusse|Transporter|Kleintransporter|Sprinter",
        "minibuses|van|vans|minivan",
    ),
    ItemData(
        "bus",
        "vehicles",
        "pcs",
        "Автобус",
        "Bus",
        "Bus",
        "автобуси|автобусів|автобуса|евакуаційний автобус",
        "Busse|Reisebus|Linienbus",
        "buses|coach|coaches",
    ),
    ItemData(
        "excavator",
        "vehicles",
        "pcs",
        "Екскаватор",
        "Bagger",
        "Excavator",
        "екскаватори|екскаваторів|екскаватора|екскаватор-навантажувач|екскаватори-навантажувачі",
        "Minibagger|Baggerlader|Kettenbagger|Mobilbagger",
        "excavators|digger|backhoe|backhoe loader|mini excavator",
    ),
    ItemData(
        "tractor",
        "vehicles",
        "pcs",
        "Трактор",
        "Traktor",
        "Tractor",
        "трактори|тракторів|трактора",
        "Traktoren|Schlepper|Trecker",
        "tractors",
    ),
    ItemData(
        "water_tanker",
        "vehicles",
        "pcs",
        "Автоцистерна для води",
        "Wassertankwagen",
        "Water tanker",
        "водовоз|водовози|водовозів|водовозка|автоцистерна|автоцистерни|автоцистерн"
        "|цистерна для води|цистерни для води",
        "Tankwagen|Trinkwasserwagen|Wasserwagen|Wassertankfahrzeug",
        "water tankers|water truck|water trucks|water bowser|bowser|tanker",
    ),
    ItemData(
        "trailer",
        "vehicles",
        "pcs",
        "Причіп",
        "Anhänger",
        "Trailer",
        "причепи|причепів|причепа|напівпричіп|напівпричепи",
        "Anhängern|Sattelauflieger|Auflieger",
        "trailers|semi-trailer",
    ),
    # --- food ---
    ItemData(
        "food_parcel",
        "food",
        "pcs",
        "Продуктовий набір",
        "Lebensmittelpaket",
        "Food parcel",
        "продуктові набори|продуктових наборів|продуктового набору|продуктовий пакет"
        "|продуктові пакети|продуктових пакетів|продукти|продуктів|харчові набори"
        "|харчових наборів|продукти харчування|продуктів харчування",
        "Lebensmittelpakete|Lebensmittel|Nahrungsmittel|Essenspakete|Lebensmittelspenden",
        "food parcels|food kit|food kits|food package|food packages|food|groceries|food supplies",
    ),
    ItemData(
        "baby_food",
        "food",
        "packs",
        "Дитяче харчування",
        "Babynahrung",
        "Baby food",
        "дитячого харчування|дитяча суміш|дитячі суміші|дитячих сумішей|суміш|суміші|сумішей"
        "|молочна суміш|молочні суміші|дитяче пюре|дитячі каші",
        "Säuglingsnahrung|Babybrei|Babymilch|Milchpulver|Anfangsmilch|Kindernahrung|Babygläschen",
        "infant formula|formula|baby formula|baby milk|baby cereal",
    ),
    ItemData(
        "canned_food",
        "food",
        "pcs",
        "Консерви",
        "Konserven",
        "Canned food",
        "консерв|консервів|консерва|м'ясні консерви|рибні консерви|тушонка|тушонки"
        "|тушкованка|тушкованки",
        "Konserve|Konservendosen|Dosen|Dosennahrung|Fleischkonserven|Fischkonserven",
        "canned goods|tinned food|cans|canned meat|tinned goods",
    ),
    ItemData(
        "flour",
        "food",
        "kg",
        "Борошно",
        "Mehl",
        "Flour",
        "борошна|мука|муки",
        "Weizenmehl",
        "wheat flour",
    ),
    ItemData(
        "grains",
        "food",
        "kg",
        "Крупи",
        "Getreide",
        "Grains",
        "крупа|круп|гречка|гречки|рис|рису|макарони|макаронів|вівсянка|пластівці",
        "Reis|Nudeln|Haferflocken|Buchweizen|Grieß|Teigwaren",
        "rice|pasta|buckwheat|oats|oatmeal|cereals|cereal",
    ),
    ItemData(
        "ready_meals",
        "food",
        "pcs",
        "Сухий пайок",
        "Einsatzverpflegung",
        "Ready-to-eat meals",
        "сухпайки|сухпайків|сухпайок|сухі пайки|сухих пайків|ірп|готові страви|готових страв"
        "|польові раціони",
        "EPa|Notverpflegung|Fertiggerichte|Fertiggericht|Feldration|Feldrationen",
        "mre|mres|field rations|rations|ration packs|ready meals",
    ),
    ItemData(
        "medical_nutrition",
        "food",
        "packs",
        "Лікувальне харчування",
        "Trinknahrung",
        "Medical nutrition",
        "ентеральне харчування|ентерального харчування|лікувального харчування"
        "|зондове харчування|парентеральне харчування|нутрідрінк",
        "Sondennahrung|Klinische Ernährung|Enterale Ernährung|Parenterale Ernährung"
        "|Astronautennahrung",
        "enteral nutrition|clinical nutrition|parenteral nutrition"
        "|oral nutritional supplements|nutridrink|tube feed",
    ),
    ItemData(
        "sugar",
        "food",
        "kg",
        "Цукор",
        "Zucker",
        "Sugar",
        "цукру",
    ),
    ItemData(
        "cooking_oil",
        "food",
        "l",
        "Олія",
        "Speiseöl",
        "Cooking oil",
        "олії|олію|соняшникова олія|соняшникової олії",
        "Öl|Sonnenblumenöl|Pflanzenöl",
        "sunflower oil|vegetable oil|oil",
    ),
    # --- other ---
    ItemData(
        "winter_clothing",
        "other",
        "pcs",
        "Зимовий одяг",
        "Winterkleidung",
        "Winter clothing",
        "теплий одяг|теплого одягу|зимового одягу|одяг|одягу|куртки|куртка|курток"
        "|зимові куртки|термобілизна|термобілизни",
        "Warme Kleidung|Kleidung|Winterjacke|Winterjacken|Jacken|Thermounterwäsche"
        "|Winterbekleidung",
        "warm clothes|warm clothing|clothes|clothing|winter jackets|winter jacket|jackets"
        "|thermal underwear",
    ),
    ItemData(
        "footwear",
        "other",
        "pairs",
        "Взуття",
        "Schuhe",
        "Footwear",
        "зимове взуття|зимового взуття|черевики|черевиків|чоботи|чобіт|берці|гумові чоботи",
        "Winterschuhe|Stiefel|Gummistiefel|Winterstiefel",
        "shoes|boots|winter boots|rubber boots",
    ),
    ItemData(
        "fire_extinguisher",
        "other",
        "pcs",
        "Вогнегасник",
        "Feuerlöscher",
        "Fire extinguisher",
        "вогнегасники|вогнегасників|вогнегасника|порошковий вогнегасник",
        "Feuerlöschern|Pulverlöscher|Handfeuerlöscher",
        "fire extinguishers|extinguisher|extinguishers",
    ),
    ItemData(
        "chainsaw",
        "other",
        "pcs",
        "Бензопила",
        "Motorsäge",
        "Chainsaw",
        "бензопили|бензопил|бензопилу|ланцюгова пила|електропила|пила",
        "Kettensäge|Kettensägen|Motorsägen",
        "chainsaws|chain saw|chain saws",
    ),
    ItemData(
        "tools",
        "other",
        "sets",
        "Набір інструментів",
        "Werkzeugset",
        "Tool kit",
        "інструменти|інструментів|інструмент|ручний інструмент|ручні інструменти"
        "|будівельний інструмент|електроінструмент|шуруповерт|шуруповерти|болгарка"
        "|болгарки|лопата|лопати",
        "Werkzeug|Werkzeuge|Werkzeugkoffer|Werkzeugkasten|Handwerkzeug|Elektrowerkzeug"
        "|Akkuschrauber|Schaufel|Schaufeln|Winkelschleifer",
        "tools|tool kits|hand tools|power tools|toolbox|shovel|shovels|angle grinder"
        "|cordless drill",
    ),
    ItemData(
        "ppe",
        "other",
        "pcs",
        "Засоби індивідуального захисту",
        "Persönliche Schutzausrüstung",
        "Personal protective equipment",
        "зіз|захисні костюми|захисних костюмів|захисний костюм|захисний одяг|захисного одягу",
        "PSA|Schutzausrüstung|Schutzanzug|Schutzanzüge|Schutzkleidung",
        "ppe|protective equipment|protective suits|protective suit|protective clothing|hazmat suit",
    ),
    ItemData(
        "radio",
        "other",
        "pcs",
        "Рація",
        "Funkgerät",
        "Two-way radio",
        "рації|рацій|радіостанція|радіостанції|радіостанцій|портативна рація",
        "Funkgeräte|Handfunkgerät|Handfunkgeräte|Walkie-Talkie|Digitalfunkgerät",
        "radios|radio|walkie talkies|handheld radio|two way radios",
    ),
    ItemData(
        "laptop",
        "other",
        "pcs",
        "Ноутбук",
        "Laptop",
        "Laptop",
        "ноутбуки|ноутбуків|ноутбука|комп'ютер|комп'ютери|комп'ютерів",
        "Laptops|Notebook|Notebooks|Computer",
        "computers",
    ),
    ItemData(
        "starlink",
        "other",
        "pcs",
        "Термінал Starlink",
        "Starlink-Terminal",
        "Starlink terminal",
        "старлінк|старлінки|старлінків|starlink|термінали starlink|супутниковий інтернет",
        "Starlink-Terminals|Satelliteninternet",
        "starlink terminals|satellite internet|satellite terminal",
    ),
    ItemData(
        "field_kitchen",
        "other",
        "pcs",
        "Польова кухня",
        "Feldküche",
        "Field kitchen",
        "польові кухні|польових кухонь|польову кухню|мобільна кухня|мобільні кухні|пересувна кухня",
        "Feldküchen|Gulaschkanone|Mobile Küche|Feldkochherd",
        "field kitchens|mobile kitchen|mobile kitchens",
    ),
    ItemData(
        "washing_machine",
        "other",
        "pcs",
        "Пральна машина",
        "Waschmaschine",
        "Washing machine",
        "пральні машини|пральних машин|пральну машину|пральна машинка|пральні машинки",
        "Waschmaschinen|Industriewaschmaschine",
        "washing machines|washer|laundry machine",
    ),
    ItemData(
        "building_materials",
        "other",
        "pcs",
        "Будівельні матеріали",
        "Baumaterial",
        "Building materials",
        "будматеріали|будматеріалів|будівельних матеріалів|цемент|цементу|цвяхи|шифер"
        "|профнастил|утеплювач|мінвата",
        "Baumaterialien|Baustoffe|Zement|Nägel|Dachpappe|Wellblech|Dämmstoff|Dämmung",
        "building material|construction materials|cement|nails|roofing|roofing sheets|insulation",
    ),
)
