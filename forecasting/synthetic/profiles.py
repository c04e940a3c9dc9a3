"""Category profiles and the calendar rules the generator draws from (the demand model's fixed traits)."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigError

#: Shopping events in the order used by :attr:`CategoryProfile.events`.
EVENT_NAMES = ("11.11", "618", "black_friday", "cyber_monday", "christmas")

#: How each event is placed in the calendar.
EVENT_RULES = {
    "11.11": "11-11 every year (Singles' Day): the category multiplier on that day",
    "618": "06-18 every year (mid-year sale): the category multiplier on that day",
    "black_friday": (
        "Friday after the 4th Thursday of November (US Thanksgiving), always 11-23..11-29: "
        "the category multiplier on that day"
    ),
    "cyber_monday": "Monday after Black Friday: the category multiplier on that day",
    "christmas": (
        "12-15..12-24 linear ramp 1 + (m - 1) * (day - 14) / 10, reaching the category "
        "multiplier m on 12-24; then x0.5 on 12-25 and x0.75 on 12-26 for every category"
    ),
}

#: Post-Christmas drop, the same for every category (shops ship nothing, people are offline).
CHRISTMAS_DROP = {"12-25": 0.5, "12-26": 0.75}

DISCOUNT_DEPTHS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.4)
ELASTICITY_BOUNDS = (-3.0, -0.8)
POST_PROMO_DAYS = 5

@dataclass(frozen=True)
class CategoryProfile:
    """Fixed traits of one product category.

    Parameters
    ----------
    name
        Readable category name.
    elasticity
        True own-price elasticity of the category (SKUs scatter around it).
    price_range
        Range of initial regular prices; SKUs draw log-uniformly from it.
    promo_lift
        Typical display/feature multiplier during a promotion, on top of the price effect.
    weekly
        Raw day-of-week profile, Monday first; normalised to mean 1 when used.
    yearly_amplitude, yearly_peak_doy
        Size and day of year of the smooth yearly peak.
    events
        Multipliers of the shopping events, in :data:`EVENT_NAMES` order.
    brands, nouns, features
        Word lists for product names and descriptions.
    """

    name: str
    elasticity: float
    price_range: tuple[float, float]
    promo_lift: float
    weekly: tuple[float, ...]
    yearly_amplitude: float
    yearly_peak_doy: int
    events: tuple[float, ...]
    brands: tuple[str, ...]
    nouns: tuple[str, ...]
    features: tuple[str, ...]

    def __post_init__(self) -> None:
        low, high = ELASTICITY_BOUNDS
        if not low <= self.elasticity <= high:
            raise ConfigError(f"category {self.name!r}: elasticity {self.elasticity} is outside [{low}, {high}]")
        if len(self.weekly) != 7 or min(self.weekly) <= 0:
            raise ConfigError(f"category {self.name!r}: weekly needs 7 positive values, Monday first")
        if len(self.events) != len(EVENT_NAMES):
            raise ConfigError(f"category {self.name!r}: events needs {len(EVENT_NAMES)} multipliers")
        if not 0 <= self.yearly_amplitude < 0.5:
            raise ConfigError(f"category {self.name!r}: yearly_amplitude must be in [0, 0.5)")


CATEGORY_PROFILES = (
    CategoryProfile(
        name="Electronics",
        elasticity=-2.9,
        price_range=(25.0, 300.0),
        promo_lift=1.45,
        weekly=(0.95, 0.93, 0.95, 1.0, 1.05, 1.08, 1.04),
        yearly_amplitude=0.30,
        yearly_peak_doy=340,
        events=(2.2, 2.0, 2.5, 2.3, 1.8),
        brands=("Voltra", "Nexon", "Lumio", "Pulse", "Arcway"),
        nouns=(
            "Wireless Earbuds",
            "Bluetooth Speaker",
            "USB-C Charger",
            "Smart Plug",
            "Power Bank",
            "Webcam",
            "Mechanical Keyboard",
            "Wireless Mouse",
            "Fitness Tracker",
            "HDMI Cable",
        ),
        features=(
            "with a two-year warranty",
            "in a slim matte housing",
            "compatible with iOS, Android and Windows",
            "with a compact travel-friendly design",
            "from our best-selling range",
            "with a plug-and-play setup",
        ),
    ),
    CategoryProfile(
        name="Home & Kitchen",
        elasticity=-1.7,
        price_range=(12.0, 150.0),
        promo_lift=1.3,
        weekly=(0.9, 0.88, 0.9, 0.95, 1.0, 1.2, 1.17),
        yearly_amplitude=0.15,
        yearly_peak_doy=100,
        events=(1.7, 1.5, 1.9, 1.6, 1.5),
        brands=("Casa Nova", "Hearth", "Kitchora", "Linden", "Oakline"),
        nouns=(
            "Chef's Knife",
            "Nonstick Frying Pan",
            "French Press",
            "Storage Jar Set",
            "Cutting Board",
            "Cotton Bath Towel",
            "Scented Candle",
            "Dutch Oven",
            "Knife Sharpener",
            "Spice Rack",
        ),
        features=(
            "for everyday home use",
            "with a lifetime warranty",
            "in a modern Scandinavian style",
            "designed to be easy to clean",
            "made from durable materials",
            "ideal as a thoughtful gift",
        ),
    ),
    CategoryProfile(
        name="Beauty",
        elasticity=-1.3,
        price_range=(6.0, 60.0),
        promo_lift=1.35,
        weekly=(0.95, 0.97, 0.98, 1.0, 1.05, 1.03, 1.02),
        yearly_amplitude=0.12,
        yearly_peak_doy=45,
        events=(2.0, 1.6, 1.8, 1.5, 1.7),
        brands=("Lumière", "Petal & Co", "Glowlab", "Verde", "Aurelle"),
        nouns=(
            "Hydrating Face Serum",
            "Daily Moisturiser",
            "Vitamin C Cream",
            "Clay Face Mask",
            "Lip Balm",
            "Argan Hair Oil",
            "Micellar Water",
            "Sunscreen SPF 50",
            "Body Lotion",
            "Eye Cream",
        ),
        features=(
            "for sensitive skin",
            "with hyaluronic acid",
            "free from parabens and sulfates",
            "with a fast-absorbing formula",
            "dermatologically tested",
            "with a light natural scent",
        ),
    ),
    CategoryProfile(
        name="Toys",
        elasticity=-2.5,
        price_range=(10.0, 90.0),
        promo_lift=1.5,
        weekly=(0.85, 0.85, 0.88, 0.92, 1.05, 1.25, 1.2),
        yearly_amplitude=0.40,
        yearly_peak_doy=350,
        events=(1.6, 1.4, 2.0, 1.7, 2.5),
        brands=("Brickly", "Funtastic", "Little Owl", "Zoomo", "Kiddo"),
        nouns=(
            "Building Block Set",
            "Plush Bear",
            "Remote Control Car",
            "Wooden Puzzle",
            "Art Kit",
            "Board Game",
            "Doll House",
            "Magnetic Tiles",
            "Water Blaster",
            "Science Kit",
        ),
        features=(
            "for ages 3 and up",
            "made from non-toxic materials",
            "designed for creative play",
            "for the whole family",
            "with easy-to-follow instructions",
            "small enough for a backpack",
        ),
    ),
    CategoryProfile(
        name="Grocery",
        elasticity=-0.9,
        price_range=(3.0, 25.0),
        promo_lift=1.15,
        weekly=(1.05, 0.95, 0.95, 0.98, 1.07, 1.08, 0.92),
        yearly_amplitude=0.10,
        yearly_peak_doy=355,
        events=(1.3, 1.3, 1.3, 1.3, 1.6),
        brands=("Green Valley", "Harvest", "Nordic Pantry", "Sunfield", "Daily Good"),
        nouns=(
            "Organic Coffee Beans",
            "Green Tea",
            "Dark Chocolate Bar",
            "Granola",
            "Olive Oil",
            "Basmati Rice",
            "Peanut Butter",
            "Pasta Sauce",
            "Honey Jar",
            "Trail Mix",
        ),
        features=(
            "from sustainable farms",
            "with no artificial additives",
            "in a resealable pack",
            "made in small batches",
            "certified organic",
            "for the everyday pantry",
        ),
    ),
    CategoryProfile(
        name="Office",
        elasticity=-2.1,
        price_range=(4.0, 50.0),
        promo_lift=1.2,
        weekly=(1.2, 1.18, 1.15, 1.1, 1.0, 0.62, 0.55),
        yearly_amplitude=0.25,
        yearly_peak_doy=240,
        events=(1.4, 1.3, 1.6, 1.8, 1.3),
        brands=("Papyra", "Deskmate", "Inkwell", "Linea", "Clipson"),
        nouns=(
            "Gel Pen Set",
            "A5 Notebook",
            "Desk Organiser",
            "Sticky Notes",
            "Stapler",
            "Highlighter Pack",
            "Printer Paper",
            "Document Folder",
            "Desk Lamp",
            "Whiteboard Markers",
        ),
        features=(
            "for the home office",
            "for busy workdays",
            "made from recycled materials",
            "to keep your desk tidy",
            "in assorted colours",
            "for school and work",
        ),
    ),
    CategoryProfile(
        name="Sports & Outdoors",
        elasticity=-1.5,
        price_range=(15.0, 200.0),
        promo_lift=1.4,
        weekly=(0.9, 0.92, 0.92, 0.95, 1.05, 1.15, 1.11),
        yearly_amplitude=0.35,
        yearly_peak_doy=170,
        events=(1.5, 1.7, 1.8, 1.5, 1.5),
        brands=("Trailpeak", "Stride", "Northfold", "Aquafit", "Summit"),
        nouns=(
            "Yoga Mat",
            "Water Bottle",
            "Running Belt",
            "Camping Lantern",
            "Resistance Bands",
            "Hiking Backpack",
            "Jump Rope",
            "Cycling Gloves",
            "Foam Roller",
            "Dry Bag",
        ),
        features=(
            "for training at home or outdoors",
            "made from recycled materials",
            "designed to be light and packable",
            "built for all weather",
            "with a non-slip grip",
            "for beginners and pros",
        ),
    ),
    CategoryProfile(
        name="Pet Supplies",
        elasticity=-1.1,
        price_range=(5.0, 80.0),
        promo_lift=1.25,
        weekly=(1.0, 0.98, 0.98, 1.0, 1.02, 1.02, 1.0),
        yearly_amplitude=0.10,
        yearly_peak_doy=150,
        events=(1.4, 1.3, 1.5, 1.4, 1.4),
        brands=("Pawsome", "Whisker", "Barkley", "Furrow", "Tailwind"),
        nouns=(
            "Dog Chew Toy",
            "Cat Scratching Post",
            "Pet Bed",
            "Grain-Free Dog Food",
            "Cat Litter",
            "Dog Leash",
            "Pet Shampoo",
            "Bird Seed Mix",
            "Fish Flakes",
            "Cat Treats",
        ),
        features=(
            "loved by pets",
            "made with natural ingredients",
            "recommended by vets",
            "with a long-lasting design",
            "for happy, healthy pets",
            "from a trusted pet brand",
        ),
    ),
)

DESCRIPTION_ADJECTIVES = (
    "Compact",
    "Durable",
    "Everyday",
    "Premium",
    "Lightweight",
    "Versatile",
    "Classic",
    "Eco-friendly",
)
