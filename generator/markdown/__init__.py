"""The Markdown body: the Smart Brevity Python-Markdown extension and typography."""
