"""OpenAI used in three places, none of them declared; Anthropic declared."""

import anthropic
from openai import OpenAI

claude = anthropic.Anthropic()
first = OpenAI()
second = OpenAI(base_url="https://api.openai.com/v1")


def third():
    return OpenAI()
