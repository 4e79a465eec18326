"""Static reference data the demo draws from: names, countries, devices, comments, prices.

Weights are plain relative numbers; callers turn them into cumulative weights once.
"""

from __future__ import annotations

# fmt: off
# Given and family names by the language area of a customer's country, so that a customer from
# Finland is called Aino Virtanen, not John Smith.
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "fr": (
        ("Camille", "Léa", "Manon", "Chloé", "Inès", "Lucas", "Hugo", "Louis", "Jules", "Gabriel",
         "Arthur", "Élodie", "Mathilde", "Théo", "Nathalie", "Julien"),
        ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
         "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "Fontaine"),
    ),
    "de": (
        ("Lukas", "Leon", "Finn", "Jonas", "Paul", "Anna", "Lena", "Marie", "Sophie", "Hannah",
         "Felix", "Katrin", "Jürgen", "Sabine", "Matthias", "Ursula"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
         "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann"),
    ),
    "en": (
        ("Oliver", "George", "Harry", "Jack", "Emily", "Olivia", "Amelia", "Isla", "James",
         "Michael", "Sarah", "Jessica", "David", "Emma", "Daniel", "Megan", "Ryan", "Ashley"),
        ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Miller",
         "Davis", "Clark", "Walker", "Wright", "Thompson", "Anderson", "Moore", "Hughes", "Lee"),
    ),
    "es": (
        ("Lucía", "Sofía", "Martina", "María", "Hugo", "Mateo", "Pablo", "Álvaro", "Javier",
         "Carmen", "Diego", "Valentina", "Alejandro", "Paula"),
        ("García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez",
         "Gómez", "Ruiz", "Hernández", "Díaz", "Torres", "Ramírez"),
    ),
    "pt": (
        ("João", "Pedro", "Gabriel", "Ana", "Beatriz", "Mariana", "Lucas", "Rafael", "Larissa",
         "Fernanda", "Thiago", "Camila"),
        ("Silva", "Santos", "Oliveira", "Souza", "Lima", "Pereira", "Ferreira", "Costa",
         "Rodrigues", "Almeida", "Nascimento", "Carvalho"),
    ),
    "it": (
        ("Giulia", "Francesca", "Chiara", "Sara", "Alessandro", "Lorenzo", "Matteo", "Andrea",
         "Marco", "Luca", "Federica", "Giovanni"),
        ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
         "Marino", "Greco", "Bruno", "Gallo"),
    ),
    "nl": (
        ("Daan", "Sem", "Lieke", "Emma", "Julia", "Bram", "Sanne", "Thijs", "Femke", "Ruben",
         "Anouk", "Joris"),
        ("de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen",
         "Visser", "Smit", "Meijer", "de Boer", "Mulder"),
    ),
    "nordic": (
        ("Aino", "Eero", "Mikko", "Laura", "Elias", "Saara", "Astrid", "Erik", "Lars", "Ingrid",
         "Oskar", "Elsa", "Juha", "Sanna"),
        ("Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Lindqvist", "Johansson", "Andersson",
         "Karlsson", "Nilsson", "Lehtonen", "Heikkinen", "Eriksson", "Laine", "Berg"),
    ),
    "in": (
        ("Aarav", "Vivaan", "Aditya", "Priya", "Ananya", "Diya", "Rohan", "Kavya", "Arjun",
         "Isha", "Rahul", "Neha"),
        ("Sharma", "Patel", "Singh", "Kumar", "Gupta", "Reddy", "Iyer", "Nair", "Mehta",
         "Joshi", "Rao", "Das"),
    ),
    "ja": (
        ("Haruto", "Yuto", "Sota", "Yui", "Hina", "Sakura", "Ren", "Aoi", "Takumi", "Yuna",
         "Kenji", "Mei"),
        ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura",
         "Kobayashi", "Kato", "Yoshida", "Yamada"),
    ),
}
# fmt: on

# Country (ISO 3166-1 alpha-2) -> the name pool its customers draw from.
LANGUAGE_OF_COUNTRY: dict[str, str] = {
    "FR": "fr", "BE": "fr", "CH": "de", "DE": "de", "AT": "de", "US": "en", "GB": "en",
    "IE": "en", "CA": "en", "AU": "en", "ES": "es", "MX": "es", "AR": "es", "BR": "pt",
    "PT": "pt", "IT": "it", "NL": "nl", "SE": "nordic", "FI": "nordic", "NO": "nordic",
    "DK": "nordic", "IN": "in", "JP": "ja", "PL": "de",
}  # fmt: skip

# Where each demo account's customers live: a European shop and an American one.
COUNTRIES_EUROPE: dict[str, float] = {
    "FR": 26, "DE": 14, "GB": 10, "ES": 8, "IT": 8, "NL": 6, "BE": 4, "CH": 3, "SE": 3,
    "FI": 3, "AT": 2, "PT": 2, "PL": 2, "IE": 1.5, "DK": 1.5, "US": 4, "BR": 1.5, "IN": 1.5,
    "JP": 1, "CA": 1,
}  # fmt: skip
COUNTRIES_AMERICA: dict[str, float] = {
    "US": 48, "CA": 10, "MX": 5, "BR": 5, "GB": 6, "IN": 6, "DE": 3, "FR": 3, "JP": 4,
    "AU": 4, "ES": 1.5, "IT": 1.5, "NL": 1.5, "SE": 1, "FI": 0.5, "AR": 1,
}  # fmt: skip

EUROZONE = frozenset({"FR", "BE", "DE", "AT", "ES", "PT", "IT", "NL", "FI", "IE"})

EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example", "inbox.example")

# Real user-agent strings with the share of customers using each device.
USER_AGENTS: tuple[tuple[str, float], ...] = (
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36", 27),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/18.1 Mobile/15E148 Safari/604.1", 17),
    ("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.6778.81 Mobile Safari/537.36", 13),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/18.1 Safari/605.1.15", 9),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36", 7),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.70", 9),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", 5),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", 2),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36", 2),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:133.0) Gecko/20100101 Firefox/133.0", 2),
    ("Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) "
     "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36", 4),
    ("Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.6 Mobile/15E148 Safari/604.1", 2),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0", 1),
)  # fmt: skip

# What customers write in a survey's comment box, by how they felt.
COMMENTS_POSITIVE = (
    "Quick and friendly, thank you!",
    "Problem solved in minutes. Great service.",
    "Very helpful, explained everything clearly.",
    "Super fast answer, much appreciated.",
    "The agent went above and beyond.",
    "Easy to reach and very patient with me.",
    "Exactly the answer I needed.",
    "Thanks for sorting out my order so quickly!",
    "Refund arrived the next day, impressive.",
    "Friendly and knowledgeable, 10/10.",
    "Great chat experience, no waiting at all.",
    "You fixed my account issue right away, thanks.",
    "Clear instructions, worked first time.",
    "Lovely support team, keep it up.",
    "Fast delivery of the replacement, thank you.",
)
COMMENTS_NEUTRAL = (
    "OK in the end, but it took a while.",
    "Answer was fine, I had to explain twice though.",
    "Resolved, but the first reply didn't help much.",
    "Decent service.",
    "Took two days to get a reply, otherwise fine.",
    "Helpful, but the process is a bit complicated.",
    "It works now. Documentation could be clearer.",
    "Average experience.",
    "Got what I needed after a few messages.",
    "Polite agent, slow answer.",
)
COMMENTS_NEGATIVE = (
    "Still waiting for my refund.",
    "Nobody answered for three days.",
    "I had to repeat my problem to three different people.",
    "The issue is not solved at all.",
    "Canned answer that ignored my question.",
    "Very slow response, disappointing.",
    "My parcel is still missing and nobody cares.",
    "Charged twice and no clear explanation.",
    "The bot could not understand me and there was no human to talk to.",
    "Too expensive for what it is, and support was unhelpful.",
    "Closed my ticket without fixing anything.",
    "Rude and impatient.",
)

# Order values by theme (cents), so revenue differs by theme in the performance report.
PRICES_CENTS: dict[str, tuple[int, ...]] = {
    "pricing": (4900, 9900, 12990, 19900, 24900, 49900),
    "product": (1990, 2990, 4900, 7990, 12990, 19900, 89900),
    "shipping": (490, 990, 1990, 2990, 4900),
    "billing": (990, 4900, 9900, 12990, 19900),
    "returns": (1990, 2990, 4900),
    "technical": (990, 2990, 4900, 7990),
    "account": (990, 4900, 9900),
    "": (1990, 4900, 7990, 12990),
}
