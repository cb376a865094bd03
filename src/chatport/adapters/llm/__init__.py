"""LLM clients: the providers' wire protocols behind the ``LLMClient`` port.

``HttpxLLMGateway`` is what the composition root builds; the clients can also be
made alone (tests, the CLI), each with its own ``HttpTransport``.
"""

from chatport.adapters.llm.anthropic import AnthropicClient
from chatport.adapters.llm.echo import EchoClient
from chatport.adapters.llm.gateway import HttpxLLMGateway
from chatport.adapters.llm.ollama import OllamaClient
from chatport.adapters.llm.openai import OpenAICompatibleClient
from chatport.adapters.llm.transport import HttpTransport

__all__ = [
    "AnthropicClient",
    "EchoClient",
    "HttpTransport",
    "HttpxLLMGateway",
    "OllamaClient",
    "OpenAICompatibleClient",
]
