"""How much free text a field takes and how many rows a list page shows: named once, so a
page's form, the API's serializer and the service that writes the text never disagree.

Free text is stored in unbounded columns; these limits keep a record readable and a page
light, and are checked by the service as well as the form."""

# Rows on one page of a paged list page (search results, queues, the access log). The API
# pages its lists by REST_FRAMEWORK["PAGE_SIZE"] (config/settings.py), which is API_PAGE_SIZE.
PAGE_SIZE = 25
API_PAGE_SIZE = 50

# What was said or decided: a contact's summary, an answer, a concern and its response, a
# case conference's agenda and outcome.
LONG_TEXT = 5000
# Why: the reason for a decision or an emergency access, an action to take.
REASON_TEXT = 2000
# A short note: why consent stopped, the names at a meeting.
SHORT_TEXT = 1000
