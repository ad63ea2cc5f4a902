#!/usr/bin/env python3
"""Replays Okta's "SCIM 2.0 SPEC Test" (a Runscope export) against a SCIM service provider.

    okta_spec_runner.py SPEC.json BASE_URL TOKEN RESULTS.json

No registry has a Runscope runner, so this is the project's own: it sends each request
step as written (method, URL, headers, body, with `{{variables}}` filled in), checks its
assertions as Runscope defines their comparisons, and takes the step's `variables` from
the response. It writes one result per assertion to RESULTS.json, prints them, and exits
0 whatever failed: the caller compares the failures with the known ones.

What it decides itself, as a Runscope environment would: the initial variables (a random
user, a random id that does not exist, the base URL and `Bearer TOKEN`), one user created
first (the suite's first steps expect one to exist), and pauses skipped (they wait for an
eventually consistent server; the bridge answers from its own store).
"""
import json
import re
import sys
import urllib.error
import urllib.request
import uuid

TIMEOUT_SECONDS = 30


def render(text, variables):
    """Fills `{{name}}` from `variables`; an unknown name stays as written."""
    return re.sub(
        r"\{\{(\w+)\}\}",
        lambda m: str(variables.get(m.group(1), m.group(0))),
        text,
    )


def send(method, url, headers, body):
    """(status, parsed JSON or None); a transport failure is status 0."""
    data = body.encode("utf-8") if body else None
    request = urllib.request.Request(url, data=data, method=method)
    for name, value in headers.items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    except (urllib.error.URLError, OSError) as error:
        return 0, {"transport error": str(error)}
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, None


MISSING = object()


def lookup(document, path):
    """The value at a Runscope property path (`Resources[0].name.givenName`)."""
    value = document
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            index = int(part[1:-1])
            if not isinstance(value, list) or index >= len(value):
                return MISSING
            value = value[index]
        else:
            if not isinstance(value, dict) or part not in value:
                return MISSING
            value = value[part]
    return value


def as_text(value):
    """A JSON value as Runscope compares it: booleans lower-case, numbers plain."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def check(assertion, status, document, variables):
    comparison = assertion["comparison"]
    expected = assertion.get("value")
    if expected is not None:
        expected = render(str(expected), variables)
    if assertion["source"] == "response_status":
        actual = status
    else:
        actual = lookup(document, assertion.get("property") or "") if document is not None else MISSING
    if comparison == "equal_number":
        return actual is not MISSING and as_text(actual) == expected
    if comparison == "equal":
        return actual is not MISSING and as_text(actual) == expected
    if comparison == "not_empty":
        return actual is not MISSING and actual not in (None, "", [], {})
    if comparison == "is_a_number":
        return isinstance(actual, (int, float)) and not isinstance(actual, bool)
    if comparison == "has_value":
        if isinstance(actual, list):
            return any(as_text(item) == expected for item in actual)
        return actual is not MISSING and as_text(actual) == expected
    if comparison == "contains":
        if isinstance(actual, list):
            return any(as_text(item) == expected for item in actual)
        return isinstance(actual, str) and expected in actual
    raise ValueError(f"comparison {comparison!r} is not known to this runner")


def main():
    spec_path, base_url, token, results_path = sys.argv[1:5]
    with open(spec_path, encoding="utf-8") as file:
        spec = json.load(file)
    run = uuid.uuid4().hex[:10]
    username = f"okta.judge.{run}@example.com"
    variables = {
        "SCIMBaseURL": base_url.rstrip("/"),
        "auth": f"Bearer {token}",
        "randomUsername": username,
        "randomUsernameCaps": username.upper(),
        "randomEmail": username,
        "randomGivenName": f"Given{run}",
        "randomFamilyName": f"Family{run}",
        "InvalidUserEmail": f"nobody.{run}@example.com",
        "UserIdThatDoesNotExist": str(uuid.uuid4()),
    }
    seed = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": f"okta.seed.{run}@example.com",
        "name": {"givenName": "Seed", "familyName": "Person"},
        "emails": [{"primary": True, "value": f"okta.seed.{run}@example.com", "type": "work"}],
        "active": True,
    }
    status, _ = send(
        "POST",
        f"{variables['SCIMBaseURL']}/Users",
        {"Authorization": variables["auth"], "Content-Type": "application/scim+json"},
        json.dumps(seed),
    )
    if status != 201:
        print(f"okta spec test: seeding a user answered {status}", file=sys.stderr)

    results = []
    for index, step in enumerate(spec["steps"]):
        if step.get("step_type") != "request" or step.get("skipped"):
            continue
        headers = {
            name: render(values[-1], variables)
            for name, values in (step.get("headers") or {}).items()
            if values
        }
        body = render(step["body"], variables) if step.get("body") else None
        url = render(step["url"], variables).replace(" ", "%20").replace('"', "%22")
        status, document = send(step["method"], url, headers, body)
        for variable in step.get("variables") or []:
            value = lookup(document, variable.get("property") or "") if document is not None else MISSING
            if value is not MISSING:
                variables[variable["name"]] = value
        note = (step.get("note") or "").strip()
        for assertion in step.get("assertions") or []:
            passed = check(assertion, status, document, variables)
            name = f"step {index} ({note}): {assertion['comparison']} {assertion.get('property') or assertion['source']}"
            results.append({"id": name, "passed": passed, "status": status})
            print(f"{'ok  ' if passed else 'FAIL'} {name} (HTTP {status})")
    with open(results_path, "w", encoding="utf-8") as file:
        json.dump(results, file, indent=1)


if __name__ == "__main__":
    main()
