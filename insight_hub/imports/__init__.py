"""What every importer shares: reading a CSV or XLSX file as rows (`tabular`), saying what is wrong with a
row or a file (`problems`), and the saved, reusable mapping file (`mappingfile`). Feature apps (feedback,
stories) build their own import flows on these; nothing here knows what a response or a story is."""
