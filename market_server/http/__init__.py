"""HTTP: the app and its middleware, the member and operator API, the wire contract and its
OpenAPI document, the operator's web page. Imports everything below it; nothing imports it."""
