"""Only gpt-4o is called: the declared gpt-4o-mini and Mistral components are unused."""

from openai import OpenAI

client = OpenAI()
client.chat.completions.create(model="gpt-4o", messages=[])
