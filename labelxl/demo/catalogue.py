"""The demo organisation's fixed catalogue: markets, projects, taxonomy, names, rates."""

from __future__ import annotations

import numpy as np

MARKETS = ("US", "BR", "ID")
LANGUAGE = {"US": "en", "BR": "pt", "ID": "id"}
CITY = {"US": "Austin", "BR": "São Paulo", "ID": "Jakarta"}
MARKET_SHARE = np.array([0.4, 0.3, 0.3])
# market → (vendor, vendor site, share of the market's people at the vendor)
VENDOR = {
    "US": ("Acme BPO", "Manila", 0.4),
    "BR": ("Acme BPO", "Recife", 0.5),
    "ID": ("Nusantara Digital", "Yogyakarta", 0.5),
}

# fmt: off
# id, name, market, policy_area, queue_type, graphic, target AHT s, target accuracy, SLA h,
# priority, share of the market's labelers who work it as their main project.
_PROJECTS = (
    ("P-US-HATE", "US Hate Speech review", "US", "Hate Speech", "batch", "no", 45, 0.95, 24, 2,
     .30),
    ("P-US-VIOL", "US Violent & Graphic live", "US", "Violent & Graphic", "realtime", "yes", 55,
     0.96, 2, 1, .25),
    ("P-US-MINOR", "US Minor Safety escalations", "US", "Minor Safety", "realtime", "yes", 70,
     0.98, 1, 1, .20),
    ("P-US-SPAM", "US Spam & Scams", "US", "Spam", "batch", "no", 18, 0.93, 48, 4, .25),
    ("P-BR-HATE", "BR Discurso de ódio", "BR", "Hate Speech", "batch", "no", 50, 0.95, 24, 2, .30),
    ("P-BR-NUDE", "BR Adult Nudity live", "BR", "Adult Nudity", "realtime", "yes", 28, 0.95, 2,
     2, .25),
    ("P-BR-MISINFO", "BR Election Misinformation", "BR", "Misinformation", "batch", "no", 110,
     0.92, 48, 1, .25),
    ("P-BR-VIOL", "BR Violent & Graphic live", "BR", "Violent & Graphic", "realtime", "yes", 60,
     0.96, 2, 2, .20),
    ("P-ID-SPAM", "ID Spam & Scams", "ID", "Spam", "batch", "no", 20, 0.93, 48, 4, .30),
    ("P-ID-NUDE", "ID Adult Nudity live", "ID", "Adult Nudity", "realtime", "yes", 30, 0.95, 2,
     2, .25),
    ("P-ID-HATE", "ID Ujaran kebencian", "ID", "Hate Speech", "batch", "no", 55, 0.95, 24, 2, .25),
    ("P-ID-MISINFO", "ID Health Misinformation", "ID", "Misinformation", "batch", "no", 120, 0.92,
     48, 3, .20),
)
# Fixed-scope campaigns: they started with the data window and end this many whole months
# after it, so the Projects sheet has a total to burn and LX Projects a forecast finish.
FIXED_SCOPE = {"P-BR-MISINFO": 2, "P-BR-HATE": 3, "P-ID-MISINFO": 4, "P-US-HATE": 5, "P-ID-HATE": 6}
# Not worked in the window: one launching after it, one pilot that closed before it.
_PLANNED = ("P-US-MISINFO", "US Misinformation pilot", "US", "Misinformation", "batch", "no",
            100, 0.92, 48, 3)
_CLOSED = ("P-BR-SPAM", "BR Spam pilot", "BR", "Spam", "batch", "no", 20, 0.93, 48, 5)

# policy area → (decision, description, default severity, share of items); first = Approve.
TAXONOMY = {
    "Hate Speech": (
        ("Approve", "No violation.", "Minor", .78),
        ("Remove - Hateful Conduct", "Attacks a protected group.", "Major", .12),
        ("Remove - Slur", "Uses a slur against a protected group.", "Major", .05),
        ("Reduce - Borderline", "Borderline; limit distribution.", "Minor", .05)),
    "Violent & Graphic": (
        ("Approve", "No violation.", "Minor", .70),
        ("Remove - Graphic Violence", "Gore or graphic injury.", "Major", .15),
        ("Age-restrict - Graphic", "Graphic but newsworthy; 18+ only.", "Minor", .12),
        ("Escalate - Credible Threat", "Real-world threat; escalate to law enforcement.",
         "Critical", .03)),
    "Adult Nudity": (
        ("Approve", "No violation.", "Minor", .72),
        ("Remove - Nudity", "Nudity outside allowed contexts.", "Major", .15),
        ("Remove - Sexual Activity", "Sexual activity.", "Major", .05),
        ("Age-restrict - Suggestive", "Suggestive; 18+ only.", "Minor", .08)),
    "Minor Safety": (
        ("Approve", "No violation.", "Minor", .80),
        ("Remove - Minor Endangerment", "Puts a minor at risk.", "Critical", .10),
        ("Escalate - Child Safety Report", "Report to the child-safety team.", "Critical", .03),
        ("Age-restrict - Minor Risk", "Risky for young viewers.", "Major", .07)),
    "Spam": (
        ("Approve", "No violation.", "Minor", .75),
        ("Remove - Spam", "Repetitive or commercial spam.", "Minor", .18),
        ("Remove - Scam", "Fraud or scam.", "Major", .07)),
    "Misinformation": (
        ("Approve", "No violation.", "Minor", .74),
        ("Label - Misleading", "Add a context label.", "Minor", .15),
        ("Remove - Harmful Misinformation", "False claim likely to cause harm.", "Major", .07),
        ("Reduce - Unverified", "Unverified claim; limit distribution.", "Minor", .04)),
}
_DIFFICULTY = {"Misinformation": -0.02, "Minor Safety": -0.01, "Spam": 0.01}

_FIRST = {
    "US": ("James", "Maria", "Ashley", "Michael", "Jessica", "David", "Emily", "Daniel",
           "Sarah", "Chris", "Amanda", "Kevin", "Megan", "Brian", "Nicole", "Jason"),
    "BR": ("Ana", "João", "Mariana", "Pedro", "Juliana", "Lucas", "Camila", "Rafael",
           "Beatriz", "Gabriel", "Larissa", "Thiago", "Fernanda", "Bruno", "Letícia", "Diego"),
    "ID": ("Putri", "Budi", "Siti", "Agus", "Dewi", "Rizky", "Ayu", "Andi", "Wulan", "Eko",
           "Intan", "Fajar", "Rina", "Hendra", "Nur", "Dimas"),
}
_LAST = {
    "US": ("Smith", "Johnson", "Brown", "Garcia", "Miller", "Davis", "Martinez", "Lopez",
           "Wilson", "Anderson", "Taylor", "Moore", "Jackson", "Lee", "Harris", "Clark"),
    "BR": ("Silva", "Santos", "Oliveira", "Souza", "Lima", "Pereira", "Costa", "Ferreira",
           "Almeida", "Ribeiro", "Carvalho", "Gomes", "Martins", "Rocha", "Barbosa", "Dias"),
    "ID": ("Santoso", "Wijaya", "Pratama", "Saputra", "Lestari", "Hidayat", "Nugroho",
           "Kurniawan", "Setiawan", "Rahayu", "Susanto", "Utami", "Gunawan", "Permana",
           "Siregar", "Halim"),
}
_SPECIALISTS = ("Helena Strand", "Omar Haddad", "Priya Raman", "Tomás Ruiz")
_REQUESTERS = ("Policy - Hate Speech", "Policy - Child Safety", "Trust & Safety Ops",
               "Ads Integrity", "Search Quality", "Legal - Elections", "Product - Live")
_REQ_SUMMARIES = (
    "Add examples for coded hate symbols", "Clarify newsworthy exception for violent footage",
    "New scam pattern: fake giveaway links", "Label election claims ahead of the vote",
    "Escalation path for credible threats", "Update nudity policy for art and education",
    "Reduce reach for unverified health claims", "Double review for live streams after 22:00",
    "Age-restrict risky challenges", "Spam wave: repeated comment links",
)
_COMMENTS = {
    "FalsePositive": ("Context makes it acceptable", "Satire, not an attack",
                      "Educational context missed"),
    "FalseNegative": ("Missed violating caption", "Slur in the audio", "Missed link in bio"),
    "WrongPolicy": ("Right action, wrong policy", "Should be age-restricted, not removed"),
    "Technical": ("Video did not load; decided on thumbnail",),
}

# fmt: on

PAID_HOURS = 8.0  # paid hours of a full-time day
GRAPHIC_DAY_MAX = 3.5  # graphic hours a day, well under graphic_hours_per_day (5)
AUDITS_PER_LABELING_HOUR = 0.7  # ~30k audits for 120 people over 3 months
MIN_PEOPLE = 20
