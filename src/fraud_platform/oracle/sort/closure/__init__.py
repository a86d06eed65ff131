"""The closure proof of a stream view: the receipt and manifest documents (`receipt`), the row
digests (`digest`), the canonical row encoding they hash (`encoding`) and the key checks (`keys`)."""
