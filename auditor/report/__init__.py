"""Report writers: JSON, SARIF, JUnit, Markdown, CSV, HTML, PDF. They see only the model."""
