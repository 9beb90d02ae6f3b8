#!/usr/bin/env python
"""Write samples/bfcl/multi_turn_base.jsonl: real tool-use traces in the chat format, from the Berkeley Function
Calling Leaderboard (BFCL, Apache-2.0), as shipped in the `bfcl-eval` package on PyPI.

    pip download --no-deps -d /tmp/bfcl bfcl-eval==2026.3.23 && unzip -q /tmp/bfcl/*.whl -d /tmp/bfcl/pkg
    python tools/bfcl_sample.py /tmp/bfcl/pkg

For each BFCL `multi_turn_base` conversation, in BFCL's order, it takes the first user turn and BFCL's ground-truth
calls for it, and runs those calls one after the other against BFCL's own executable backends (the classes in
`bfcl_eval/eval_checker/multi_turn_eval/func_source_code`, loaded with the conversation's `initial_config`), as
BFCL's multi-turn checker does; each result is turned into text as BFCL turns it (`json.dumps` of a dict, `str` of
anything else). A record is one conversation's first turn: the user's message, then for each call an assistant
turn holding it (OpenAI's shape: `function.arguments` a JSON string) and the `tool` turn holding its result. Its
`tools` are BFCL's documents of the functions it calls, cast to OpenAI's tool shape as BFCL casts them (parameter
types mapped, `response` left out); its `family` is the BFCL class whose functions it calls. The first 15 such
conversations of each of the four classes whose functions make a whole first turn are kept (60 records). BFCL
gives no expected answers, so the records have none. Nothing is trained on them."""
import ast, copy, importlib, inspect, json, sys
from pathlib import Path

FAMILIES = ("GorillaFileSystem", "VehicleControlAPI", "TradingBot", "TravelAPI")
PER_FAMILY = 15
OUT = Path(__file__).resolve().parent.parent/"samples"/"bfcl"/"multi_turn_base.jsonl"

def _lines(f): return [json.loads(l) for l in Path(f).read_text().splitlines() if l.strip()]

def _instances(q:dict)->dict:
    "Class name -> a BFCL backend instance loaded with conversation `q`'s initial state."
    from bfcl_eval.constants.executable_backend_config import CLASS_FILE_PATH_MAPPING, STATELESS_CLASSES
    out = {}
    for cn in q["involved_classes"]:
        inst = getattr(importlib.import_module(CLASS_FILE_PATH_MAPPING[cn]), cn)()
        if cn not in STATELESS_CLASSES: inst._load_scenario(copy.deepcopy(q["initial_config"].get(cn, {})), long_context=False)
        out[cn] = inst
    return out

def _run(insts:dict, call:str)->tuple:
    "(class, function, arguments, result text) of BFCL's ground-truth `call`, run on the instance that has the function."
    n = ast.parse(call, mode="eval").body
    name = n.func.id
    cn, inst = next((c, i) for c, i in insts.items() if hasattr(i, name))
    m = getattr(inst, name)
    args = {**dict(zip(inspect.signature(m).parameters, [ast.literal_eval(a) for a in n.args])),
            **{k.arg: ast.literal_eval(k.value) for k in n.keywords}}
    r = m(**args)
    if not isinstance(r, str):  # as BFCL's execute_multi_turn_func_call turns results into text
        try: r = json.dumps(r) if isinstance(r, dict) else str(r)
        except TypeError: r = str(r)
    return cn, name, args, r

def _cast(props:dict, mapping:dict)->dict:
    "BFCL's parameter types cast to JSON Schema's, as its `convert_to_tool` casts them."
    out = {}
    for k, v in props.items():
        v = dict(v, type=mapping.get(v.get("type"), v.get("type")))
        if "items" in v: v["items"] = _cast({"_": v["items"]}, mapping)["_"]
        if "properties" in v: v["properties"] = _cast(v["properties"], mapping)
        out[k] = v
    return out

def _tool(doc:dict, mapping:dict)->dict:
    p = copy.deepcopy(doc["parameters"])
    p["type"], p["properties"] = "object", _cast(p.get("properties", {}), mapping)
    return dict(type="function", function=dict(name=doc["name"], description=doc["description"], parameters=p))

def _record(q:dict, calls:list, docs:dict, mapping:dict, k:int)->dict|None:
    "The chat record of the first turn of conversation `q`, or None when its calls span several classes or one fails."
    insts, msgs, used = _instances(q), list(q["question"][0]), []
    for j, call in enumerate(calls):
        cn, name, args, out = _run(insts, call)
        if out.startswith("Error during execution") or (used and cn != used[0][0]): return None
        cid = f"call_{k}_{j}"
        msgs += [dict(role="assistant", content=None, tool_calls=[dict(id=cid, type="function", function=dict(name=name, arguments=json.dumps(args)))]),
                 dict(role="tool", tool_call_id=cid, content=out)]
        used.append((cn, name))
    tools = [_tool(docs[n], mapping) for n in dict.fromkeys(n for _, n in used)]
    return dict(id=q["id"], family=used[0][0], messages=msgs, tools=tools)

def main(pkg:str):
    sys.path.insert(0, str(Path(pkg)))
    from bfcl_eval.constants.type_mappings import GORILLA_TO_OPENAPI
    data = Path(pkg)/"bfcl_eval"/"data"
    qs = _lines(data/"BFCL_v4_multi_turn_base.json")
    gt = {a["id"]: a["ground_truth"] for a in _lines(data/"possible_answer"/"BFCL_v4_multi_turn_base.json")}
    docs = {d["name"]: d for f in sorted((data/"multi_turn_func_doc").glob("*.json")) for d in _lines(f)}
    recs, n = [], {f: 0 for f in FAMILIES}
    for k, q in enumerate(qs):
        r = _record(q, gt[q["id"]][0], docs, GORILLA_TO_OPENAPI, k)
        if r and r["family"] in n and n[r["family"]] < PER_FAMILY:
            n[r["family"]] += 1; recs.append(r)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs))
    print(f"{OUT}: {len(recs)} records, {sum(len(r['messages']) // 2 for r in recs)} calls, {n}")

if __name__ == "__main__": main(sys.argv[1])
