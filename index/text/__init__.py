"""Text stage, shared by the others: sentence spans (English and Chinese), timestamp markers, and
quantities (numbers with units and dates, in both languages). Pure functions of text: they import
nothing else of the project."""
