"""Operations on the data: they change records, flush and record history, never commit."""
