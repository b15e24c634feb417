"""Side-by-side comparison of two submission rounds, with the fate of each earlier finding."""

from policies.elements import display_value
from policies.models import ElementDefinition, Material

from .models import Finding


def _material_label(kind):
    try:
        return Material.Kind(kind).label
    except ValueError:
        return kind


def compare_rounds(case, number):
    """Compare round `number` of `case` with the round before it.

    Each finding of the earlier round is marked `fixed` (the reviewer found
    the element conforming in this round), `changed` (the value changed
    and awaits the reviewer) or `open` (still not corrected).
    """
    submissions = {s.number: s for s in case.submissions.filter(number__in=[number - 1, number])}
    current = submissions[number].snapshot
    before = submissions[number - 1].snapshot if number - 1 in submissions else None
    definitions = list(ElementDefinition.objects.filter(active=True))
    by_code = {d.code: d for d in definitions}

    earlier = {}
    later = {}
    for finding in case.findings.filter(round__in=[number - 1, number]).select_related("element"):
        target = earlier if finding.round == number - 1 else later
        target[(finding.item_id, finding.element.code)] = finding

    policy_rows = []
    for field, label in (("title", "title"), ("doc_number", "doc_number"), ("summary", "summary")):
        old = before["policy"].get(field, "") if before else ""
        new = current["policy"].get(field, "")
        policy_rows.append({"field": label, "old": old, "new": new, "changed": before is not None and old != new})

    old_items = {item["id"]: item for item in (before["items"] if before else [])}
    items = []
    for item in current["items"]:
        old_item = old_items.pop(item["id"], None)
        rows = []
        for definition in definitions:
            code = definition.code
            new_value = {"text": item["name"]} if code == "item_name" else item["values"].get(code)
            old_value = None
            if old_item is not None:
                old_value = {"text": old_item["name"]} if code == "item_name" else old_item["values"].get(code)
            changed = old_item is not None and old_value != new_value
            finding = earlier.get((item["id"], code))
            fate = None
            if finding is not None and finding.is_open:
                again = later.get((item["id"], code))
                if again is not None and again.status == Finding.Status.CONFORMS:
                    fate = "fixed"
                elif changed and again is None:
                    fate = "changed"
                else:
                    fate = "open"
            rows.append(
                {
                    "definition": definition,
                    "old": display_value(by_code[code], old_value) if old_value else "",
                    "new": display_value(by_code[code], new_value) if new_value else "",
                    "changed": changed,
                    "finding": finding,
                    "fate": fate,
                }
            )
        items.append({"name": item["name"], "is_new": before is not None and old_item is None, "rows": rows})
    removed_items = [item["name"] for item in old_items.values()]

    old_materials = {(m["kind"], m["sha256"]): m for m in (before["materials"] if before else [])}
    new_materials = {(m["kind"], m["sha256"]): m for m in current["materials"]}
    materials = []
    for key, material in new_materials.items():
        materials.append({"kind": _material_label(material["kind"]), "name": material["name"],
                          "status": "kept" if key in old_materials or before is None else "added"})
    for key, material in old_materials.items():
        if key not in new_materials:
            materials.append({"kind": _material_label(material["kind"]), "name": material["name"], "status": "removed"})

    return {
        "number": number,
        "has_previous": before is not None,
        "policy_rows": policy_rows,
        "items": items,
        "removed_items": removed_items,
        "materials": materials,
        "fixed": sum(1 for item in items for row in item["rows"] if row["fate"] == "fixed"),
        "open": sum(1 for item in items for row in item["rows"] if row["fate"] in ("open", "changed")),
    }
