"""``config/demo-cards.toml``: the demo and test cards, read by demo mode, ``card-sim``, the seeder and the tests."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kiosk_backend.identifiers import is_valid_card_no, is_valid_ssn
from kiosk_backend.settings_files import ConfigError, read_toml

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "config" / "demo-cards.toml"
INITIAL_PIN = "123456"
CardStatus = Literal["normal", "temporary_loss", "formal_loss", "cancelled"]


def _date(value: object) -> object:
    return datetime.strptime(value, "%Y%m%d").date() if isinstance(value, str) else value


class DemoCard(BaseModel):
    """One virtual card and the backend-side facts the seeder needs about its holder."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    name: str = Field(min_length=2, max_length=15)
    sex: Literal["1", "2"]
    ssn: str
    card_no: str
    pin: str = Field(pattern=r"^\d{6}$")
    profile: Literal["v2", "v3"]
    pin_tries_left: int = Field(ge=0, le=15)
    pin_try_limit: int = Field(ge=1, le=15)
    region: str = Field(pattern=r"^\d{6}$")
    city_code: str = Field(pattern=r"^[0-9A-F]{4}$")
    atr_serial: str = Field(pattern=r"^[0-9A-F]{8}$")
    ethnic: str = Field(pattern=r"^\d{2}$")
    birthplace: str = Field(pattern=r"^\d{6}$")
    issued: date
    expires: date
    phone: str = Field(pattern=r"^1\d{10}$")
    status: CardStatus
    role: Literal["citizen", "staff"]
    persona: Literal["worker", "retiree", "resident", "injured"]

    _parse_dates = field_validator("issued", "expires", mode="before")(_date)

    @model_validator(mode="after")
    def _check_identifiers(self) -> DemoCard:
        if not is_valid_ssn(self.ssn):
            raise ValueError(f"ssn {self.ssn} has a wrong check character")
        if not is_valid_card_no(self.card_no):
            raise ValueError(f"card_no {self.card_no} has a wrong check character")
        if self.pin_tries_left > self.pin_try_limit:
            raise ValueError("pin_tries_left exceeds pin_try_limit")
        return self

    @property
    def atr(self) -> bytes:
        """The card's answer to reset (CARD_SPEC §1): 17 bytes."""
        return bytes.fromhex("3B6D0000" + "0081" + "4E4323" + "8697" + self.city_code + self.atr_serial)

    @property
    def birth_date(self) -> date:
        """From the 社会保障号码."""
        return datetime.strptime(self.ssn[6:14], "%Y%m%d").date()

    @property
    def initial_pin(self) -> bool:
        """Whether the card still has the initial PIN."""
        return self.pin == INITIAL_PIN


class DemoCards(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    test_issuer_key: str = Field(pattern=r"^[0-9A-F]{32}$")
    cards: tuple[DemoCard, ...] = Field(min_length=1)

    @property
    def issuer_key(self) -> bytes:
        """The test issuer master key (tests and demo only)."""
        return bytes.fromhex(self.test_issuer_key)

    def by_id(self, card_id: str) -> DemoCard:
        """The card called ``card_id``; ``KeyError`` names the known ids."""
        for card in self.cards:
            if card.id == card_id:
                return card
        raise KeyError(f"no demo card {card_id!r}; known: {', '.join(c.id for c in self.cards)}")


def load_demo_cards(path: Path = DEFAULT_PATH) -> DemoCards:
    """Read and validate the file; raises ``ConfigError`` with the card and field at fault."""
    try:
        return DemoCards.model_validate(read_toml(path))
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise ConfigError(f"{path}: {str(exc).splitlines()[0]} — {exc}") from None
