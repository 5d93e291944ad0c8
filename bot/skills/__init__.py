"""Skill tags: the shipped vocabulary, normalisation and extraction from chat text."""

from bot.skills.loading import Skill
from bot.skills.text import clean_chat_markup, content_words, normalise_word
from bot.skills.typos import english_words
from bot.skills.vocabulary import Vocabulary

__all__ = [
    "Skill",
    "Vocabulary",
    "clean_chat_markup",
    "content_words",
    "english_words",
    "normalise_word",
]
