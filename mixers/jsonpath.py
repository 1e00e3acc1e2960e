"""JSONPath as Dolma's mixer understands it (jsonpath-rust 0.3), parsed by a small recursive-descent parser.

Supported: ``$`` (and Dolma's ``$@``), ``.key``, ``['key']``, ``.*``/``[*]``, ``..key``/``..*``, ``[n]``,
``[a:b:c]``, unions ``[0,1]``/``['a','b']``, ``.length()`` and filters ``[?(...)]`` with ``||``, ``&&``,
``!``, parentheses and the comparisons ``== != < <= > >= ~= in nin size anyOf noneOf subsetOf``; operands
are ``@...``/``$...`` paths and string, number, boolean, null or array literals.

Semantics follow Dolma where they are sensible, with three deliberate differences:

- a filter applied to an array tests each element; applied to anything else (an object such as
  ``$.attributes``) it tests that value itself, as in Dolma;
- numbers compare as numbers: ``1 >= 1.0`` and ``1 == 1.0`` are true (jsonpath-rust compares the JSON
  representations, so an integer score never equals a float threshold);
- a missing field is simply "no value", never an error; ``&&``/``||``/``!`` combine conditions on the same
  element (jsonpath-rust re-applies nested conditions to the elements of an array-valued element).

Expressions compile to Python closures; nothing from a config is ever passed to ``eval``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from dolma_tools.errors import ConfigError

#: A compiled path: (current node, document root) -> matched values.
PathFn = Callable[[Any, Any], list]
#: A compiled condition: (current node, document root) -> bool.
CondFn = Callable[[Any, Any], bool]

_MISSING = object()


class JsonPathSyntaxError(ConfigError):
    """A JSONPath expression that does not parse; the message shows where."""

    def __init__(self, expression: str, position: int, problem: str, key: str | None = None) -> None:
        pointer = " " * position + "^"
        super().__init__(f"invalid JSONPath: {problem} at position {position}\n    {expression}\n    {pointer}", key)


# ----------------------------------------------------------------------------------------------- tokens

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<num>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?(?![A-Za-z_]))
  | (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<op>\.\.|==|!=|~=|>=|<=|&&|\|\||[$@.\[\]()*?,:<>!])
  | (?P<name>[A-Za-z0-9_\-/\\#]+)
    """,
    re.VERBOSE,
)
_WORD_OPS = {"in", "nin", "size", "noneOf", "anyOf", "subsetOf"}
_SYMBOL_OPS = {"==", "!=", "~=", ">=", "<=", ">", "<"}
_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


@dataclass
class _Tok:
    kind: str  # num | str | op | name | end
    text: str
    pos: int


def _tokenize(expr: str, key: str | None) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(expr):
        m = _TOKEN_RE.match(expr, pos)
        if not m:
            raise JsonPathSyntaxError(expr, pos, f"unexpected character {expr[pos]!r}", key)
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append(_Tok(kind, m.group(), pos))
        pos = m.end()
    out.append(_Tok("end", "", len(expr)))
    return out


def _unquote(text: str) -> str:
    body = text[1:-1]
    out = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", body[i + 2 : i + 6]):
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


# ----------------------------------------------------------------------------------------------- AST

@dataclass
class Path:
    """A path: where it starts (``$`` or ``@``) and its segments."""

    absolute: bool
    segments: list[tuple] = field(default_factory=list)


@dataclass
class Literal:
    value: Any


@dataclass
class Compare:
    left: Any  # Path | Literal
    op: str | None  # None: existence test of `left`
    right: Any = None


@dataclass
class BoolOp:
    op: str  # and | or | not
    parts: list


class _Parser:
    def __init__(self, expr: str, key: str | None) -> None:
        self.expr = expr
        self.key = key
        self.toks = _tokenize(expr, key)
        self.i = 0

    # helpers
    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def peek(self, k: int = 1) -> _Tok:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def fail(self, problem: str, tok: _Tok | None = None) -> JsonPathSyntaxError:
        t = tok or self.tok
        return JsonPathSyntaxError(self.expr, t.pos, problem, self.key)

    def take(self, text: str) -> _Tok:
        if self.tok.text != text or self.tok.kind not in ("op", "name"):
            found = repr(self.tok.text) if self.tok.kind != "end" else "end of expression"
            raise self.fail(f"expected {text!r}, found {found}")
        t = self.tok
        self.i += 1
        return t

    def at(self, text: str) -> bool:
        return self.tok.kind == "op" and self.tok.text == text

    # grammar
    def parse_top(self) -> Path:
        if not self.at("$"):
            raise self.fail("a JSONPath must start with '$'")
        self.i += 1
        if self.at("@"):  # Dolma configs write "$@.attributes[...]"; jsonpath-rust reads it as the root
            self.i += 1
        path = Path(absolute=True, segments=self.parse_segments())
        if self.tok.kind != "end":
            raise self.fail(f"unexpected {self.tok.text!r}")
        return path

    def parse_segments(self) -> list[tuple]:
        segs: list[tuple] = []
        while True:
            t = self.tok
            if t.kind == "op" and t.text == "..":
                self.i += 1
                if self.at("*"):
                    self.i += 1
                    segs.append(("descent_all",))
                elif self.tok.kind in ("name", "num"):
                    segs.append(("descent", self.tok.text))
                    self.i += 1
                elif self.at("["):
                    self.i += 1
                    if self.tok.kind != "str":
                        raise self.fail("expected a quoted key after '..['")
                    segs.append(("descent", _unquote(self.tok.text)))
                    self.i += 1
                    self.take("]")
                else:
                    raise self.fail("expected a key or '*' after '..'")
            elif t.kind == "op" and t.text == ".":
                self.i += 1
                if self.at("*"):
                    self.i += 1
                    segs.append(("wildcard",))
                elif self.at("["):
                    segs.append(self.parse_bracket())
                elif self.tok.kind in ("name", "num"):
                    name = self.tok.text
                    self.i += 1
                    if name == "length" and self.at("(") and self.peek().text == ")":
                        self.i += 2
                        segs.append(("length",))
                    else:
                        segs.append(("key", name))
                else:
                    raise self.fail("expected a key after '.'")
            elif t.kind == "op" and t.text == "[":
                segs.append(self.parse_bracket())
            else:
                return segs

    def parse_bracket(self) -> tuple:
        self.take("[")
        t = self.tok
        if t.kind == "op" and t.text == "*":
            self.i += 1
            self.take("]")
            return ("wildcard",)
        if t.kind == "op" and t.text == "?":
            self.i += 1
            self.take("(")
            cond = self.parse_or()
            self.take(")")
            self.take("]")
            return ("filter", cond)
        if t.kind == "str":
            keys = [_unquote(t.text)]
            self.i += 1
            while self.at(","):
                self.i += 1
                if self.tok.kind != "str":
                    raise self.fail("expected a quoted key in a key union")
                keys.append(_unquote(self.tok.text))
                self.i += 1
            self.take("]")
            return ("key", keys[0]) if len(keys) == 1 else ("keys", keys)
        # indexes, unions of indexes, slices
        parts: list[int | None] = []
        colons = 0
        current: int | None = None
        indexes: list[int] = []
        while not self.at("]"):
            if self.tok.kind == "num":
                try:
                    current = int(self.tok.text)
                except ValueError:
                    raise self.fail("array indexes must be integers") from None
                self.i += 1
            elif self.at(":"):
                parts.append(current)
                current = None
                colons += 1
                self.i += 1
            elif self.at(","):
                if colons or current is None:
                    raise self.fail("unexpected ','")
                indexes.append(current)
                current = None
                self.i += 1
            else:
                raise self.fail("expected an index, a slice, '*', a quoted key or a filter '?(...)'")
        self.take("]")
        if colons:
            parts.append(current)
            if colons > 2:
                raise self.fail("a slice has at most two ':'")
            while len(parts) < 3:
                parts.append(None)
            return ("slice", parts[0], parts[1], parts[2])
        if current is None:
            raise self.fail("empty brackets")
        if indexes:
            return ("indexes", indexes + [current])
        return ("index", current)

    def _parse_chain(self, symbol: str, name: str, operand: Callable[[], Any]) -> Any:
        parts = [operand()]
        while self.at(symbol):
            self.i += 1
            parts.append(operand())
        return parts[0] if len(parts) == 1 else BoolOp(name, parts)

    def parse_or(self) -> Any:
        return self._parse_chain("||", "or", self.parse_and)

    def parse_and(self) -> Any:
        return self._parse_chain("&&", "and", self.parse_not)

    def parse_not(self) -> Any:
        if self.at("!"):
            self.i += 1
            return BoolOp("not", [self.parse_not()])
        return self.parse_atom()

    def parse_atom(self) -> Any:
        if self.at("("):
            self.i += 1
            inner = self.parse_or()
            self.take(")")
            return inner
        left = self.parse_operand()
        t = self.tok
        if (t.kind == "op" and t.text in _SYMBOL_OPS) or (t.kind == "name" and t.text in _WORD_OPS):
            self.i += 1
            return Compare(left, t.text, self.parse_operand())
        return Compare(left, None)

    def parse_operand(self) -> Any:
        t = self.tok
        if t.kind == "op" and t.text in ("@", "$"):
            self.i += 1
            return Path(absolute=t.text == "$", segments=self.parse_segments())
        if t.kind == "num":
            self.i += 1
            return Literal(float(t.text) if any(c in t.text for c in ".eE") else int(t.text))
        if t.kind == "str":
            self.i += 1
            return Literal(_unquote(t.text))
        if t.kind == "name" and t.text in ("true", "false", "null"):
            self.i += 1
            return Literal({"true": True, "false": False, "null": None}[t.text])
        if t.kind == "op" and t.text == "[":
            self.i += 1
            items = []
            while not self.at("]"):
                item = self.parse_operand()
                if not isinstance(item, Literal):
                    raise self.fail("array literals may only hold literals")
                items.append(item.value)
                if self.at(","):
                    self.i += 1
                elif not self.at("]"):
                    raise self.fail("expected ',' or ']' in an array literal")
            self.i += 1
            return Literal(items)
        found = repr(t.text) if t.kind != "end" else "end of expression"
        raise self.fail(f"expected '@', '$' or a literal, found {found}")


def parse(expression: str, key: str | None = None) -> Path:
    """Parse a JSONPath; syntax errors raise ``JsonPathSyntaxError`` showing the position."""
    return _Parser(expression.strip(), key).parse_top()


# ----------------------------------------------------------------------------------------------- evaluation

def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def values_equal(a: Any, b: Any) -> bool:
    """JSON equality where numbers compare by value (1 == 1.0) and booleans are not numbers."""
    if _is_number(a) and _is_number(b):
        return a == b
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(values_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _descend(node: Any, key: str | None) -> Iterator[Any]:
    """Pre-order walk: for ``key`` the values stored under it at any depth; for None every value."""
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            children = list(cur.values())
            if key is None:
                yield from children
            elif key in cur:
                yield cur[key]
            stack.extend(reversed(children))
        elif isinstance(cur, list):
            if key is None:
                yield from cur
            stack.extend(reversed(cur))


def _slice(seq: list, start: int | None, stop: int | None, step: int | None) -> list:
    if step is not None and step <= 0:
        return []
    return seq[slice(start, stop, step)]


def _compile_segment(seg: tuple) -> Callable[[list, Any], list]:
    kind = seg[0]
    if kind == "key":
        name = seg[1]

        def step(nodes: list, root: Any) -> list:
            out = []
            for n in nodes:
                if isinstance(n, dict):
                    v = n.get(name, _MISSING)
                    if v is not _MISSING:
                        out.append(v)
            return out

        return step
    if kind == "keys":
        names = seg[1]
        return lambda nodes, root: [n[k] for n in nodes if isinstance(n, dict) for k in names if k in n]
    if kind == "index":
        idx = seg[1]

        def step_index(nodes: list, root: Any) -> list:
            out = []
            for n in nodes:
                if isinstance(n, list) and -len(n) <= idx < len(n):
                    out.append(n[idx])
            return out

        return step_index
    if kind == "indexes":
        idxs = seg[1]
        return lambda nodes, root: [n[i] for n in nodes if isinstance(n, list) for i in idxs if -len(n) <= i < len(n)]
    if kind == "slice":
        _, a, b, c = seg
        return lambda nodes, root: [v for n in nodes if isinstance(n, list) for v in _slice(n, a, b, c)]
    if kind == "wildcard":
        def step_all(nodes: list, root: Any) -> list:
            out: list = []
            for n in nodes:
                if isinstance(n, dict):
                    out.extend(n.values())
                elif isinstance(n, list):
                    out.extend(n)
            return out

        return step_all
    if kind == "descent":
        name = seg[1]
        return lambda nodes, root: [v for n in nodes for v in _descend(n, name)]
    if kind == "descent_all":
        return lambda nodes, root: [v for n in nodes for v in _descend(n, None)]
    if kind == "filter":
        cond = compile_condition(seg[1])

        def step_filter(nodes: list, root: Any) -> list:
            out = []
            for n in nodes:
                if isinstance(n, list):
                    out.extend(el for el in n if cond(el, root))
                elif cond(n, root):
                    out.append(n)
            return out

        return step_filter
    raise AssertionError(kind)


def _is_simple(segments: list[tuple]) -> bool:
    return all(s[0] in ("key", "index") for s in segments)


def compile_getter(path: Path) -> Callable[[Any, Any], Any]:
    """For a path of plain keys and indexes: ``fn(current, root) -> value`` or ``_MISSING``."""
    steps = tuple((s[0] == "key", s[1]) for s in path.segments)
    start_at_root = path.absolute

    def get(current: Any, root: Any) -> Any:
        node = root if start_at_root else current
        for is_key, k in steps:
            if is_key:
                if type(node) is not dict:
                    return _MISSING
                node = node.get(k, _MISSING)
                if node is _MISSING:
                    return node
            else:
                if type(node) is not list or not -len(node) <= k < len(node):
                    return _MISSING
                node = node[k]
        return node

    return get


def compile_path(path: Path) -> PathFn:
    """Compile a parsed path into ``fn(current, root) -> [values]``."""
    segs = path.segments
    start_at_root = path.absolute
    if _is_simple(segs):  # `$.attributes.x`, `@.x[0][2]`
        get = compile_getter(path)

        def simple(current: Any, root: Any) -> list:
            v = get(current, root)
            return [] if v is _MISSING else [v]

        return simple
    if segs[-1][0] == "filter" and _is_simple(segs[:-1]):  # `$.attributes[?(...)]`
        get_base = compile_getter(Path(path.absolute, segs[:-1]))
        cond = compile_condition(segs[-1][1])

        def filtered(current: Any, root: Any) -> list:
            node = get_base(current, root)
            if type(node) is list:
                return [el for el in node if cond(el, root)]
            if node is _MISSING or not cond(node, root):
                return []
            return [node]

        return filtered
    compiled: list[tuple[str, Any]] = []
    for s in segs:
        if s[0] == "length":
            compiled.append(("length", None))
        else:
            compiled.append(("step", _compile_segment(s)))
    multi_kinds = {"keys", "indexes", "slice", "wildcard", "descent", "descent_all", "filter"}
    multi_flags = [s[0] in multi_kinds for s in segs]

    def general(current: Any, root: Any) -> list:
        nodes = [root if start_at_root else current]
        multi = False
        for (kind, fn), is_multi in zip(compiled, multi_flags):
            if kind == "length":
                if multi:
                    nodes = [len(nodes)]
                else:
                    nodes = [len(n) for n in nodes if isinstance(n, (list, dict, str))]
                multi = False
                continue
            nodes = fn(nodes, root)
            multi = multi or is_multi
            if not nodes:
                return nodes
        return nodes

    return general


def _operand(node: Any) -> PathFn:
    if isinstance(node, Literal):
        value = [node.value]
        return lambda cur, root: value
    return compile_path(node)


def _singular_numbers(left: list, right: list) -> tuple[float, float] | None:
    if len(left) == 1 and len(right) == 1 and _is_number(left[0]) and _is_number(right[0]):
        return left[0], right[0]
    return None


def _cmp_eq(left: list, right: list) -> bool:
    return len(left) == len(right) and all(values_equal(a, b) for a, b in zip(left, right))


def _contains(container: Any, value: Any) -> bool:
    items = container.values() if isinstance(container, dict) else container if isinstance(container, list) else ()
    return any(values_equal(value, x) for x in items)


def _cmp_in(left: list, right: list) -> bool:
    return bool(left) and bool(right) and any(_contains(right[0], v) for v in left)


def _cmp_any_of(left: list, right: list) -> bool:
    if not left:
        return True
    if not right or not isinstance(right[0], list) or not right[0]:
        return False
    for v in left:
        candidates = v if isinstance(v, list) else [v]
        if any(_contains(right[0], c) for c in candidates):
            return True
    return False


def _cmp_subset_of(left: list, right: list) -> bool:
    if not left:
        return True
    if not right or not isinstance(left[0], list) or not isinstance(right[0], list) or not right[0]:
        return False
    return all(_contains(right[0], v) for v in left[0])


def _cmp_size(left: list, right: list) -> bool:
    if not right or not _is_number(right[0]):
        return False
    n = int(right[0])
    return all(isinstance(v, (str, list, dict)) and len(v) == n for v in left)


def _cmp_regex(left: list, right: list) -> bool:
    if not left or not right or not isinstance(right[0], str):
        return False
    try:
        rx = re.compile(right[0])
    except re.error:
        return False
    return any(isinstance(v, str) and rx.search(v) for v in left)


def _lt(left: list, right: list) -> bool:
    pair = _singular_numbers(left, right)
    return pair is not None and pair[0] < pair[1]


def _le(left: list, right: list) -> bool:
    pair = _singular_numbers(left, right)
    return (pair is not None and pair[0] <= pair[1]) or _cmp_eq(left, right)


_COMPARATORS: dict[str, Callable[[list, list], bool]] = {
    "==": _cmp_eq,
    "!=": lambda l, r: not _cmp_eq(l, r),
    "<": _lt,
    "<=": _le,
    ">": lambda l, r: _lt(r, l),
    ">=": lambda l, r: _le(r, l),
    "~=": _cmp_regex,
    "in": _cmp_in,
    "nin": lambda l, r: not _cmp_in(l, r),
    "anyOf": _cmp_any_of,
    "noneOf": lambda l, r: not _cmp_any_of(l, r),
    "subsetOf": _cmp_subset_of,
    "size": _cmp_size,
}

_FAST_NUMERIC = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _implies_existence(node: Any) -> bool:
    """True if the comparison can only hold when its left path yields a value."""
    if not isinstance(node, Compare) or not isinstance(node.left, Path) or node.op is None:
        return False
    return node.op in ("<", ">", "~=", "in") or (node.op in ("<=", ">=", "==") and isinstance(node.right, Literal))


def _drop_implied_guards(parts: list) -> list:
    """In ``@.x && @.x[0] && @.x[0][2] > 0.5`` the two existence guards are implied by the comparison
    (it is false unless ``@.x[0][2]`` exists); dropping them changes no result and saves work."""
    compared = [(p.left.absolute, p.left.segments) for p in parts if _implies_existence(p)]
    kept = []
    for p in parts:
        if (isinstance(p, Compare) and p.op is None and isinstance(p.left, Path) and _is_simple(p.left.segments)
                and any(a == p.left.absolute and len(segs) >= len(p.left.segments)
                        and segs[: len(p.left.segments)] == p.left.segments for a, segs in compared)):
            continue
        kept.append(p)
    return kept


def compile_condition(node: Any) -> CondFn:
    """Compile a filter condition into ``fn(current, root) -> bool``."""
    if isinstance(node, BoolOp):
        if node.op == "and":
            parts = [compile_condition(p) for p in _drop_implied_guards(node.parts)]
            if len(parts) == 1:
                return parts[0]

            def conj(cur: Any, root: Any) -> bool:
                for p in parts:
                    if not p(cur, root):
                        return False
                return True

            return conj
        parts = [compile_condition(p) for p in node.parts]
        if node.op == "or":
            def disj(cur: Any, root: Any) -> bool:
                for p in parts:
                    if p(cur, root):
                        return True
                return False

            return disj
        inner = parts[0]
        return lambda cur, root: not inner(cur, root)
    assert isinstance(node, Compare)
    if node.op is None:
        # existence test; a bare literal always "exists" (as in jsonpath-rust)
        left = _operand(node.left)
        return lambda cur, root: bool(left(cur, root))
    # the common `@.path > number` shape: no intermediate lists
    if (node.op in _FAST_NUMERIC and isinstance(node.right, Literal) and _is_number(node.right.value)
            and isinstance(node.left, Path) and _is_simple(node.left.segments)):
        get = compile_getter(node.left)
        threshold = node.right.value
        op = _FAST_NUMERIC[node.op]

        def numeric(cur: Any, root: Any) -> bool:
            v = get(cur, root)
            return (type(v) is float or type(v) is int) and op(v, threshold)

        return numeric
    left = _operand(node.left)
    right = _operand(node.right)
    cmp = _COMPARATORS[node.op]
    return lambda cur, root: cmp(left(cur, root), right(cur, root))


class JsonPath:
    """A parsed and compiled JSONPath expression."""

    def __init__(self, expression: str, key: str | None = None) -> None:
        self.expression = expression
        try:
            self.ast = parse(expression, key)
            self._fn = compile_path(self.ast)
        except RecursionError:  # the parser and compiler recurse once per nesting level
            raise JsonPathSyntaxError(expression, 0, "expression nested too deeply", key) from None

    def find(self, document: Any) -> list:
        """Every value the path selects (empty when nothing matches; never raises on missing fields)."""
        return self._fn(document, document)

    def matches(self, document: Any) -> bool:
        return bool(self._fn(document, document))

    def select(self, document: Any) -> Any:
        """Dolma's selector result: None for no match, the value for one match, a list for several."""
        found = self._fn(document, document)
        if not found:
            return None
        return found[0] if len(found) == 1 else found

    def numeric_comparisons(self) -> tuple[list[tuple[tuple, str, float]], bool]:
        """Comparisons of a statically known value with a number: ``(absolute path, op, number)`` with the
        number on the right (``$.attributes[?(@.x[0][2] > 0.5)]`` -> ``(("attributes", "x", 0, 2), ">", 0.5)``);
        and whether the expression is exactly one such comparison (existence guards implied by it aside)."""
        found: list[tuple[tuple, str, float]] = []
        conditions = _collect_comparisons(self.ast, (), found)
        return found, conditions == 1 and len(found) == 1

    def referenced_keys(self) -> list[tuple[str, ...]]:
        """Absolute key paths this expression reads (e.g. ``("attributes", "pii")``), as far as they are
        static; used to check attribute names before a run."""
        out: list[tuple[str, ...]] = []
        _collect_keys(self.ast, (), out)
        return out


def _collect_keys(path: Path, context: tuple[str, ...] | None, out: list[tuple[str, ...]]) -> None:
    """Walk a path (relative paths resolve against ``context``, None = unknown) and record static key chains."""
    base: tuple[str, ...] | None = () if path.absolute else context
    current = base
    for seg in path.segments:
        kind = seg[0]
        if kind == "key":
            if current is not None:
                current = current + (seg[1],)
                out.append(current)
        elif kind == "keys":
            if current is not None:
                for k in seg[1]:
                    out.append(current + (k,))
            current = None
        elif kind == "filter":
            _collect_condition(seg[1], current, out)
            # a filter on an object keeps the object itself; on an array the elements (unknown keys)
        elif kind in ("index", "indexes", "slice", "wildcard", "descent", "descent_all", "length"):
            current = None


def _collect_condition(node: Any, context: tuple[str, ...] | None, out: list[tuple[str, ...]]) -> None:
    if isinstance(node, BoolOp):
        for p in node.parts:
            _collect_condition(p, context, out)
    elif isinstance(node, Compare):
        for side in (node.left, node.right):
            if isinstance(side, Path):
                _collect_keys(side, context, out)


_MIRRORED = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}


def _static_path(path: Path, context: tuple | None) -> tuple | None:
    """The absolute path of keys and indexes ``path`` reaches (None when not static)."""
    current = () if path.absolute else context
    for seg in path.segments:
        if current is None or seg[0] not in ("key", "index"):
            return None
        current = current + (seg[1],)
    return current


_NEGATED = {"<": ">=", ">": "<=", "<=": ">", ">=": "<", "==": "!=", "!=": "=="}


def _collect_comparisons(path: Path, context: tuple | None, out: list) -> int:
    """Add the numeric comparisons under ``path``'s filters to ``out`` (under ``!`` with the negated operator);
    returns how many conditions its filters hold (an ``or`` counts as at least two)."""
    current = () if path.absolute else context
    conditions = 0
    for seg in path.segments:
        if seg[0] in ("key", "index"):
            current = None if current is None else current + (seg[1],)
        elif seg[0] == "filter":
            conditions += _condition_comparisons(seg[1], current, out)
        else:
            current = None
    return conditions


def _condition_comparisons(node: Any, context: tuple | None, out: list) -> int:
    if isinstance(node, BoolOp):
        if node.op == "not":
            inner: list = []
            counted = _condition_comparisons(node.parts[0], context, inner)
            out.extend((path, _NEGATED[op], value) for path, op, value in inner)
            return counted
        parts = _drop_implied_guards(node.parts) if node.op == "and" else node.parts
        counted = sum(_condition_comparisons(p, context, out) for p in parts)
        return counted if node.op == "and" else max(counted, 2)
    assert isinstance(node, Compare)
    sides = [node.left, node.right]
    for i, (side, other) in enumerate((sides, sides[::-1])):
        if isinstance(side, Path) and isinstance(other, Literal) and _is_number(other.value) and node.op in _MIRRORED:
            static = _static_path(side, context)
            if static is not None:
                out.append((static, node.op if i == 0 else _MIRRORED[node.op], float(other.value)))
    for side in sides:  # comparisons inside nested filters
        if isinstance(side, Path):
            _collect_comparisons(side, context, out)
    return 1
