"""Questionnaire definitions: the model, its reader and its snapshot.

- `model`: the frozen dataclasses (Text, Domain, Tier, Question, Section, Questionnaire, Library …);
- `reader` (with `fields` and `question_reader`): YAML files -> model, every problem reported as file:line;
- `snapshot`: model -> canonical data and its sha256, the immutable form stored with each assessment.

The format is documented in docs/definitions.md. Import from this package; the modules are its parts.
"""

from .fields import DefinitionError, Problem
from .model import (
    PROFILE_FACTS,
    UNKNOWN_LABEL,
    YES_NO_LABELS,
    Applicability,
    Choice,
    Derivation,
    Domain,
    Library,
    Profile,
    Question,
    Questionnaire,
    Scope,
    Section,
    Text,
    Tier,
)
from .reader import check_library, load_library, questionnaire_from_data
from .snapshot import canonical_json, definition_hash, questionnaire_to_data

__all__ = [
    "PROFILE_FACTS",
    "UNKNOWN_LABEL",
    "YES_NO_LABELS",
    "Applicability",
    "Choice",
    "DefinitionError",
    "Derivation",
    "Domain",
    "Library",
    "Problem",
    "Profile",
    "Question",
    "Questionnaire",
    "Scope",
    "Section",
    "Text",
    "Tier",
    "canonical_json",
    "check_library",
    "definition_hash",
    "load_library",
    "questionnaire_from_data",
    "questionnaire_to_data",
]
