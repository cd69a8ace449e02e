"""What every importer shares: reading a CSV or XLSX file as rows (`tabular`), saying what is wrong with a
row or a file (`problems`), the saved, reusable mapping file (`mappingfile`), keeping an uploaded file
(`uploads`), the upload form (`forms`), a batch's counts, report and end (`progress`, an abstract model) and
its progress and problems pages (`views`, with templates/imports/). Feature apps (feedback, stories) build
their own import flows on these; nothing here knows what a response or a story is."""
