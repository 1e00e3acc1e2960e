"""A native evaluator for the part of jq that mixer filters use, so documents need not be serialised for
libjq (which costs ~50 us per KB of document).

Supported: ``.``, ``.a``, ``."a"``, ``.[e]``, ``.[a:b]``, ``.[]``, ``?``, pipes, ``,``, ``//``, ``and``/``or``,
comparisons, ``+ - * / %``, unary minus, literals, ``[e]``, ``if ... then ... elif ... else ... end``, ``try e``,
and the builtins in ``_BUILTINS``. Anything else (variables, ``reduce``, object construction, string
interpolation, ``..``, definitions ...) raises ``Unsupported`` at compile time and the caller uses libjq. The
semantics are jq's (null-safe indexing, jq's ordering of values, truthiness = not false/null); the test
suite checks them against libjq on many expressions.
"""

from __future__ import annotations

import math
import operator
import re
from typing import Any, Callable

Fn = Callable[[Any], list]


class Unsupported(Exception):
    """The expression uses jq beyond this evaluator; use libjq."""


class JqError(Exception):
    """A jq runtime error (the message follows jq's wording where it matters)."""


_TOKEN = re.compile(
    r"""\s*(?:
      (?P<num>\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+(?:[eE][+-]?\d+)?)
    | (?P<str>"(?:[^"\\]|\\.)*")
    | (?P<field>\.[A-Za-z_][A-Za-z0-9_]*)
    | (?P<op>\.\.|\?//|//=|//|==|!=|<=|>=|\|=|\+=|-=|\*=|/=|%=|[.\[\](),|:?<>+\-*/%;{}$@#=])
    | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "if", "then", "elif", "else", "end", "try", "catch", "reduce", "foreach", "def", "as",
             "label", "import", "include", "__loc__"}
#: comments, variables, formats, objects, assignments and destructuring: left to libjq
_UNSUPPORTED_OPS = {"#", "$", "@", "{", "}", "=", "|=", "+=", "-=", "*=", "/=", "%=", "//=", "?//"}
_ESC = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _tokens(src: str) -> list[tuple[str, str]]:
    out = []
    pos = 0
    src = src.rstrip()
    while pos < len(src):
        m = _TOKEN.match(src, pos)
        if not m or m.end() == pos:
            raise Unsupported(f"unexpected text at {pos}")
        pos = m.end()
        kind = m.lastgroup or ""
        text = m.group(kind)
        if kind == "op" and text in _UNSUPPORTED_OPS:
            raise Unsupported(f"'{text}' is not supported natively")
        out.append((kind, text))
    out.append(("end", ""))
    return out


def _string(text: str) -> str:
    body = text[1:-1]
    if "\\(" in body:
        raise Unsupported("string interpolation")
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            n = body[i + 1]
            if n == "u":
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(_ESC[n])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


# ------------------------------------------------------------------------------------------------ values

_TYPE_NAMES = {type(None): "null", bool: "boolean", int: "number", float: "number", str: "string", list: "array",
               dict: "object"}


def _type(v: Any) -> str:
    name = _TYPE_NAMES.get(type(v))
    if name is not None:
        return name
    if v is None:
        return "null"
    if v is True or v is False:
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def truthy(v: Any) -> bool:
    return v is not None and v is not False


_RANK = {"null": 0, "boolean": 1, "number": 2, "string": 3, "array": 4, "object": 5}


def compare(a: Any, b: Any) -> int:
    """jq's total order of JSON values."""
    if (type(a) is float or type(a) is int) and (type(b) is float or type(b) is int):
        return (a > b) - (a < b)
    ta, tb = _type(a), _type(b)
    if ta != tb:
        return -1 if _RANK[ta] < _RANK[tb] else 1
    if ta in ("number", "string", "boolean"):
        return (a > b) - (a < b)
    if ta == "null":
        return 0
    if ta == "array":
        for x, y in zip(a, b):
            c = compare(x, y)
            if c:
                return c
        return (len(a) > len(b)) - (len(a) < len(b))
    ka, kb = sorted(a), sorted(b)
    if ka != kb:
        return compare(ka, kb)
    for k in ka:
        c = compare(a[k], b[k])
        if c:
            return c
    return 0


def _number(text: str) -> int | float:
    """A number literal as libjq holds it: a double (integers beyond 2**53 lose their low bits)."""
    if any(c in text for c in ".eE"):
        return float(text)
    value = int(text)
    return value if abs(value) <= 2**53 else int(float(value))


def _to_json(v: Any) -> str:
    """jq's compact JSON text: like the standard library's, except that jq also escapes DEL (U+007F)."""
    import json

    return json.dumps(v, ensure_ascii=False, separators=(",", ":")).replace("\x7f", "\\u007f")


def _desc(v: Any) -> str:
    text = _to_json(v)
    return f"{_type(v)} ({text[:11] + '...' if len(text) > 14 else text})"


def _index(v: Any, k: Any) -> Any:
    if type(v) is list and type(k) is int:
        if k < 0:
            k += len(v)
        return v[k] if 0 <= k < len(v) else None
    if isinstance(k, str):
        if v is None:
            return None
        if isinstance(v, dict):
            return v.get(k)
        raise JqError(f'Cannot index {_type(v)} with "{k}"')
    if _type(k) == "number":
        if v is None:
            return None
        if isinstance(v, list):
            i = math.floor(k)
            if i < 0:
                i += len(v)
            return v[i] if 0 <= i < len(v) else None
        raise JqError(f"Cannot index {_type(v)} with number")
    if v is None and k is None:
        return None
    raise JqError(f"Cannot index {_type(v)} with {_type(k)}")


def _slice(v: Any, a: Any, b: Any) -> Any:
    if v is None:
        return None
    if not isinstance(v, (list, str)):
        raise JqError(f"Cannot index {_type(v)} with object")
    n = len(v)

    def clamp(x: Any, default: int) -> int:
        if x is None:
            return default
        if _type(x) != "number":
            raise JqError("Start and end indices of an array slice must be numbers")
        i = math.floor(x)
        if i < 0:
            i += n
        return min(max(i, 0), n)

    return v[clamp(a, 0):clamp(b, n)]


def _iterate(v: Any) -> list:
    if isinstance(v, list):
        return list(v)
    if isinstance(v, dict):
        return list(v.values())
    raise JqError(f"Cannot iterate over {_desc(v) if v is not None else 'null'}")


def _add(a: Any, b: Any) -> Any:
    if a is None:
        return b
    if b is None:
        return a
    ta, tb = _type(a), _type(b)
    if ta == tb == "number":
        return a + b
    if ta == tb and ta in ("string", "array"):
        return a + b
    if ta == tb == "object":
        return {**a, **b}
    raise JqError(f"{_desc(a)} and {_desc(b)} cannot be added")


def _sub(a: Any, b: Any) -> Any:
    ta, tb = _type(a), _type(b)
    if ta == tb == "number":
        return a - b
    if ta == tb == "array":
        return [x for x in a if all(compare(x, y) for y in b)]
    raise JqError(f"{_desc(a)} and {_desc(b)} cannot be subtracted")


def _mul(a: Any, b: Any) -> Any:
    ta, tb = _type(a), _type(b)
    if ta == tb == "number":
        return a * b
    raise Unsupported("multiplication of non-numbers")


def _div(a: Any, b: Any) -> Any:
    ta, tb = _type(a), _type(b)
    if ta == tb == "number":
        if b == 0:
            raise JqError(f"{_desc(a)} and {_desc(b)} cannot be divided because the divisor is zero")
        return a / b
    if ta == tb == "string":
        return a.split(b) if a else []
    raise JqError(f"{_desc(a)} and {_desc(b)} cannot be divided")


def _mod(a: Any, b: Any) -> Any:
    if _type(a) == _type(b) == "number":
        ia, ib = int(a), int(b)
        if ib == 0:
            raise JqError(f"{_desc(a)} and {_desc(b)} cannot be divided because the divisor is zero")
        r = abs(ia) % abs(ib)
        return -r if ia < 0 else r
    raise JqError(f"{_desc(a)} and {_desc(b)} cannot be divided")


_ARITH = {"+": _add, "-": _sub, "*": _mul, "/": _div, "%": _mod}
_PY_CMP = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
           ">=": operator.ge}


def _compare_with_constant(op: str, c: Any) -> Callable[[Any, Any], bool]:
    """``a OP c`` for a literal ``c``: Python's comparison when both are numbers or both strings (the same
    result as jq's order), jq's order otherwise."""
    test = _CMP[op]
    if c is None and op in ("==", "!="):
        return (lambda a, _: a is None) if op == "==" else (lambda a, _: a is not None)
    py = _PY_CMP[op]
    if type(c) is int or type(c) is float:
        def numeric(a: Any, b: Any) -> bool:
            if type(a) is float or type(a) is int:
                return py(a, b)  # type: ignore[no-any-return]
            return test(compare(a, b))

        return numeric
    if type(c) is str:
        def string(a: Any, b: Any) -> bool:
            if type(a) is str:
                return py(a, b)  # type: ignore[no-any-return]
            return test(compare(a, b))

        return string
    return lambda a, b: test(compare(a, b))


_CMP = {
    "==": lambda c: c == 0, "!=": lambda c: c != 0, "<": lambda c: c < 0, "<=": lambda c: c <= 0,
    ">": lambda c: c > 0, ">=": lambda c: c >= 0,
}


def _length(v: Any) -> Any:
    if v is None:
        return 0
    if v is True or v is False:
        raise JqError(f"boolean ({'true' if v else 'false'}) has no length")
    if isinstance(v, (int, float)):
        return abs(v)
    return len(v)


def _keys(v: Any) -> list:
    if isinstance(v, dict):
        return sorted(v)
    if isinstance(v, list):
        return list(range(len(v)))
    raise JqError(f"{_desc(v)} has no keys")


def _number_op(name: str, f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def apply(v: Any) -> Any:
        if _type(v) != "number":
            raise JqError(f"{_desc(v)} number required")
        return f(v)

    return apply


def _string_op(f: Callable[[str], Any], problem: str) -> Callable[[Any], Any]:
    def apply(v: Any) -> Any:
        if not isinstance(v, str):
            raise JqError(problem.format(desc=_desc(v)))
        return f(v)

    return apply


def _reverse(v: Any) -> Any:
    if v is None:
        return []
    if isinstance(v, (list, str)):
        return v[::-1]
    raise JqError(f"Cannot reverse {_desc(v)}")


def _add_all(v: Any) -> Any:
    total = None
    for x in _iterate(v) if v is not None else []:
        total = _add(total, x)
    return total


def _tostring(v: Any) -> str:
    return v if isinstance(v, str) else _to_json(v)


def _tonumber(v: Any) -> Any:
    if _type(v) == "number":
        return v
    if isinstance(v, str):
        try:
            f = float(v)
        except ValueError:
            raise JqError(f"Cannot parse '{v}' as JSON") from None
        return int(f) if f.is_integer() and "." not in v and "e" not in v.lower() else f
    raise JqError(f"{_desc(v)} cannot be parsed as a number")


def _string_arg(name: str, fn: Callable[[str, str], Any]) -> Callable[[Any, Any], Any]:
    def apply(v: Any, arg: Any) -> Any:
        if not isinstance(v, str) or not isinstance(arg, str):
            raise JqError(f"{name}() requires string inputs")
        return fn(v, arg)

    return apply


def _has(v: Any, k: Any) -> bool:
    if isinstance(v, dict) and isinstance(k, str):
        return k in v
    if isinstance(v, list) and _type(k) == "number":
        return 0 <= k < len(v)
    raise JqError(f"Cannot check whether {_type(v)} has a {_type(k)} key")


def _contains(a: Any, b: Any) -> bool:
    ta, tb = _type(a), _type(b)
    if ta != tb:
        raise JqError(f"{_desc(a)} and {_desc(b)} cannot have their containment checked")
    if ta == "object":
        return all(k in a and _contains(a[k], b[k]) for k in b)
    if ta == "array":
        return all(any(_type(x) == _type(y) and _contains(x, y) for x in a) for y in b)
    if ta == "string":
        return b in a
    return compare(a, b) == 0


def _min_max(v: Any, pick_max: bool) -> Any:
    items = _iterate(v) if isinstance(v, list) else None
    if items is None:
        raise JqError(f"Cannot iterate over {_desc(v)}")
    if not items:
        return None
    best = items[0]
    for x in items[1:]:
        c = compare(x, best)
        if (c >= 0) if pick_max else (c < 0):
            best = x
    return best


def _sort(v: Any) -> list:
    if not isinstance(v, list):
        raise JqError(f"{_desc(v)} cannot be sorted, as it is not an array")
    import functools

    return sorted(v, key=functools.cmp_to_key(compare))


#: Builtins without arguments: name -> function of the input.
_BUILTINS0: dict[str, Callable[[Any], Any]] = {
    "length": _length,
    "utf8bytelength": _string_op(lambda s: len(s.encode("utf-8")), "{desc} only strings have UTF-8 byte length"),
    "not": lambda v: not truthy(v),
    "type": _type,
    "keys": _keys,
    "add": _add_all,
    "any": lambda v: any(truthy(x) for x in _iterate(v)),
    "all": lambda v: all(truthy(x) for x in _iterate(v)),
    "floor": _number_op("floor", math.floor),
    "ceil": _number_op("ceil", math.ceil),
    "sqrt": _number_op("sqrt", math.sqrt),
    "tostring": _tostring,
    "tonumber": _tonumber,
    "ascii_downcase": _string_op(lambda s: re.sub("[A-Z]+", lambda m: m.group().lower(), s), "explode input must be a string"),
    "ascii_upcase": _string_op(lambda s: re.sub("[a-z]+", lambda m: m.group().upper(), s), "explode input must be a string"),
    "reverse": _reverse,
    "sort": _sort,
    "min": lambda v: _min_max(v, False),
    "max": lambda v: _min_max(v, True),
    "first": lambda v: _index(v, 0),
    "last": lambda v: _index(v, -1),
}
#: Builtins with one argument evaluated on the input: name -> function(input, argument value).
_BUILTINS1: dict[str, Callable[[Any, Any], Any]] = {
    "has": _has,
    "contains": _contains,
    "startswith": _string_arg("startswith", lambda s, p: s.startswith(p)),
    "endswith": _string_arg("endswith", lambda s, p: s.endswith(p)),
    "test": _string_arg("test", lambda s, p: re.search(p, s) is not None),
    "ltrimstr": lambda v, p: v[len(p):] if isinstance(v, str) and isinstance(p, str) and v.startswith(p) else v,
    "rtrimstr": lambda v, p: v[: -len(p)] if isinstance(v, str) and isinstance(p, str) and p and v.endswith(p) else v,
    "join": lambda v, sep: sep.join("" if x is None else _tostring(x) if not isinstance(x, str) else x for x in _iterate(v)),
    "split": _string_arg("split", lambda s, sep: [] if not s else s.split(sep) if sep else list(s)),
}


# ------------------------------------------------------------------------------------------------ parser

class _Parser:
    def __init__(self, src: str) -> None:
        self.toks = _tokens(src)
        self.i = 0

    @property
    def tok(self) -> tuple[str, str]:
        return self.toks[self.i]

    def at(self, text: str) -> bool:
        kind, t = self.tok
        return t == text and kind in ("op", "ident")

    def take(self, text: str) -> None:
        if not self.at(text):
            raise Unsupported(f"expected {text!r}")
        self.i += 1

    def parse(self) -> Fn:
        fn = self.pipe()
        if self.tok[0] != "end":
            raise Unsupported(f"unexpected {self.tok[1]!r}")
        return fn

    def pipe(self) -> Fn:
        left = self.comma()
        if self.at("as"):
            raise Unsupported("variables")
        if self.at("|"):
            self.i += 1
            return _then(left, self.pipe())
        return left

    def comma(self) -> Fn:
        parts = [self.alternative()]
        while self.at(","):
            self.i += 1
            parts.append(self.alternative())
        if len(parts) == 1:
            return parts[0]
        return lambda v: [r for p in parts for r in p(v)]

    def alternative(self) -> Fn:
        left = self.logic_or()
        if self.at("//"):
            self.i += 1
            right = self.alternative()

            def alt(v: Any) -> list:
                try:
                    found = [x for x in left(v) if truthy(x)]
                except JqError:
                    found = []
                return found if found else right(v)

            return alt
        return left

    def _left_assoc(self, word: str, operand: Callable[[], Fn]) -> Fn:
        left = operand()
        while self.at(word):
            self.i += 1
            right = operand()
            combined = _bool_op(left, right, is_and=word == "and")
            self.combined(combined, word, left, right)
            left = combined
        return left

    def combined(self, fn: Fn, word: str, left: Fn, right: Fn) -> None:
        """Hook: ``left and/or right`` compiled to ``fn`` (``ComparisonReader`` notes it)."""

    def compared(self, fn: Fn, left: Fn, op: str, right: Fn) -> None:
        """Hook: ``left op right`` compiled to ``fn`` (``ComparisonReader`` notes it)."""

    def logic_or(self) -> Fn:
        return self._left_assoc("or", self.logic_and)

    def logic_and(self) -> Fn:
        return self._left_assoc("and", self.comparison)

    def comparison(self) -> Fn:
        left = self.additive()
        kind, t = self.tok
        if kind == "op" and t in _CMP:
            self.i += 1
            right = self.additive()
            if isinstance(right, _Const):
                fn = _binary(left, right, _compare_with_constant(t, right.value))
            else:
                test = _CMP[t]
                fn = _binary(left, right, lambda a, b: test(compare(a, b)))
            self.compared(fn, left, t, right)
            return fn
        return left

    def additive(self) -> Fn:
        left = self.multiplicative()
        while self.tok[0] == "op" and self.tok[1] in ("+", "-"):
            op = _ARITH[self.tok[1]]
            self.i += 1
            left = _binary(left, self.multiplicative(), op)
        return left

    def multiplicative(self) -> Fn:
        left = self.unary()
        while self.tok[0] == "op" and self.tok[1] in ("*", "/", "%"):
            op = _ARITH[self.tok[1]]
            self.i += 1
            left = _binary(left, self.unary(), op)
        return left

    def unary(self) -> Fn:
        if self.at("-"):
            self.i += 1
            inner = self.postfix()

            def neg(v: Any) -> list:
                out = []
                for x in inner(v):
                    if _type(x) != "number":
                        raise JqError(f"{_desc(x)} cannot be negated")
                    out.append(-x)
                return out

            return neg
        return self.postfix()

    def postfix(self) -> Fn:
        fn = self.term()
        while True:
            kind, t = self.tok
            if kind == "field":
                fn = _extend(fn, t[1:])
                self.i += 1
            elif t == "." and kind == "op" and self.toks[self.i + 1][0] == "str":
                self.i += 1
                fn = _extend(fn, _string(self.tok[1]))
                self.i += 1
            elif t == "." and kind == "op" and self.toks[self.i + 1][1] == "[":
                self.i += 1
                fn = self._index_after(fn)
            elif t == "[" and kind == "op":
                fn = self._index_after(fn)
            elif t == "?" and kind == "op":
                self.i += 1
                fn = _try(fn)
            else:
                return fn

    def _index_after(self, fn: Fn) -> Fn:
        step = self.bracket()
        if isinstance(step, _Path) and len(step.steps) == 1:  # a constant index
            return _extend(fn, step.steps[0])
        return _then(fn, step)

    def bracket(self) -> Fn:
        self.take("[")
        if self.at("]"):
            self.i += 1
            return lambda v: _iterate(v)
        if self.at(":"):
            self.i += 1
            end = self.pipe()
            self.take("]")
            return lambda v: [_slice(v, None, b) for b in end(v)]
        index = self.pipe()
        if self.at(":"):
            self.i += 1
            if self.at("]"):
                self.i += 1
                return lambda v: [_slice(v, a, None) for a in index(v)]
            end = self.pipe()
            self.take("]")
            return lambda v: [_slice(v, a, b) for b in end(v) for a in index(v)]
        self.take("]")
        if isinstance(index, _Const) and isinstance(index.value, (str, int)) and not isinstance(index.value, bool):
            return _Path((index.value,))
        return lambda v: [_index(v, k) for k in index(v)]

    def term(self) -> Fn:
        kind, t = self.tok
        if kind == "num":
            self.i += 1
            return _Const(_number(t))
        if kind == "str":
            self.i += 1
            return _Const(_string(t))
        if kind == "field":
            self.i += 1
            return _field(t[1:])
        if kind == "op" and t == ".":
            nxt = self.toks[self.i + 1]
            if nxt[0] == "str":
                self.i += 2
                return _field(_string(nxt[1]))
            if nxt[1] == "[":
                self.i += 1
                return self.bracket()
            self.i += 1
            return _Path(())  # `.`
        if kind == "op" and t == "..":
            raise Unsupported("recursive descent")
        if kind == "op" and t == "(":
            self.i += 1
            inner = self.pipe()
            self.take(")")
            return inner
        if kind == "op" and t == "[":
            self.i += 1
            if self.at("]"):
                self.i += 1
                return lambda v: [[]]
            inner = self.pipe()
            self.take("]")
            return lambda v: [inner(v)]
        if kind == "ident":
            return self.word(t)
        raise Unsupported(f"unexpected {t!r}")

    def word(self, name: str) -> Fn:
        self.i += 1
        if name in ("true", "false", "null"):
            return _Const({"true": True, "false": False, "null": None}[name])
        if name == "if":
            return self.conditional()
        if name == "try":
            body = self.postfix()
            if self.at("catch"):
                raise Unsupported("try ... catch")
            return _try(body)
        if name in _KEYWORDS:
            raise Unsupported(name)
        args = []
        if self.at("("):
            self.i += 1
            args.append(self.pipe())
            while self.at(";"):
                self.i += 1
                args.append(self.pipe())
            self.take(")")
        return _call(name, args)

    def conditional(self) -> Fn:
        cond = self.pipe()
        self.take("then")
        then = self.pipe()
        if self.at("elif"):
            self.i += 1
            other = self.conditional()
            return _if(cond, then, other)
        if self.at("else"):
            self.i += 1
            other = self.pipe()
        else:
            other = _Path(())  # jq 1.7: a missing `else` is the identity
        self.take("end")
        return _if(cond, then, other)


class _One:
    """An expression with exactly one output: ``one(v)`` gives it without building lists, so chains of such
    expressions (the usual ``.a.b[0][2] > 0.5 and ...`` filters) run as plain function calls."""

    def __init__(self, one: Callable[[Any], Any]) -> None:
        self.one = one

    def __call__(self, v: Any) -> list:
        return [self.one(v)]


def _single(fn: Fn) -> Callable[[Any], Any] | None:
    return fn.one if isinstance(fn, _One) else None


class _Const(_One):
    """A literal: one output, known at compile time."""

    def __init__(self, value: Any) -> None:
        self.value = value
        super().__init__(lambda v: value)


class _Path(_One):
    """``.a.b[0][2]``: a chain of fields and constant indexes, one output, evaluated without lists."""

    def __init__(self, steps: tuple) -> None:
        self.steps = steps
        super().__init__(self.get)

    def get(self, v: Any) -> Any:
        for k in self.steps:
            if type(v) is dict and type(k) is str:
                v = v.get(k)
            else:
                v = _index(v, k)
        return v


def _extend(fn: Fn, key: Any) -> Fn:
    """``fn`` followed by ``.[key]``."""
    if isinstance(fn, _Path):
        return _Path(fn.steps + (key,))
    return _then(fn, _Path((key,)))


def _then(first: Fn, second: Fn) -> Fn:
    a, b = _single(first), _single(second)
    if a is not None and b is not None:
        return _One(lambda v: b(a(v)))
    return lambda v: [r for x in first(v) for r in second(x)]


def _field(name: str) -> Fn:
    return _Path((name,))


def _try(fn: Fn) -> Fn:
    def attempt(v: Any) -> list:
        try:
            return fn(v)
        except JqError:
            return []

    return attempt


def _binary(left: Fn, right: Fn, op: Callable[[Any, Any], Any]) -> Fn:
    lo, ro = _single(left), _single(right)
    if lo is not None and isinstance(right, _Const):
        b = right.value
        return _One(lambda v: op(lo(v), b))
    if lo is not None and ro is not None:
        return _One(lambda v: op(lo(v), ro(v)))
    # jq evaluates the right operand in the outer loop
    return lambda v: [op(a, b) for b in right(v) for a in left(v)]


def _bool_op(left: Fn, right: Fn, is_and: bool) -> Fn:
    lo, ro = _single(left), _single(right)
    if lo is not None and ro is not None:
        if is_and:
            return _One(lambda v: truthy(ro(v)) if truthy(lo(v)) else False)
        return _One(lambda v: True if truthy(lo(v)) else truthy(ro(v)))

    def run(v: Any) -> list:
        out = []
        for a in left(v):
            if truthy(a) != is_and:  # `false and ...` / `true or ...` short-circuit
                out.append(not is_and)
            else:
                out.extend(truthy(b) for b in right(v))
        return out

    return run


def _if(cond: Fn, then: Fn, other: Fn) -> Fn:
    co, to, oo = _single(cond), _single(then), _single(other)
    if co is not None and to is not None and oo is not None:
        return _One(lambda v: to(v) if truthy(co(v)) else oo(v))
    return lambda v: [r for c in cond(v) for r in (then(v) if truthy(c) else other(v))]


def _call(name: str, args: list[Fn]) -> Fn:
    if not args:
        if name == "empty":
            return lambda v: []
        if name == "values":
            return lambda v: [] if v is None else [v]
        if name in _BUILTINS0:
            return _One(_BUILTINS0[name])
        raise Unsupported(f"{name}/0")
    if len(args) == 1:
        (arg,) = args
        if name == "select":
            return lambda v: [v for c in arg(v) if truthy(c)]
        if name == "map":
            return lambda v: [[r for x in _iterate(v) for r in arg(x)]]
        if name in ("any", "all"):
            agg = any if name == "any" else all
            return lambda v: [agg(truthy(r) for x in _iterate(v) for r in arg(x))]
        if name == "error":
            def fail(v: Any) -> list:
                raise JqError(" ".join(_tostring(m) for m in arg(v)))

            return fail
        if name in _BUILTINS1:
            f1 = _BUILTINS1[name]
            return lambda v: [f1(v, a) for a in arg(v)]
    raise Unsupported(f"{name}/{len(args)}")


def compile_native(expression: str) -> Fn:
    """``fn(value) -> [outputs]``; raises ``Unsupported`` for jq beyond this evaluator."""
    return _Parser(expression).parse()


_MIRRORED = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}


def _is_number_const(fn: Fn) -> bool:
    return isinstance(fn, _Const) and type(fn.value) in (int, float)


class ComparisonReader(_Parser):
    """Parses like the evaluator, noting every comparison of a path (``.a.b[0][2]``) with a number."""

    def __init__(self, src: str) -> None:
        super().__init__(src)
        self.found: dict[int, tuple[tuple, str, float]] = {}  # id(fn) -> (path, op, number on the right)
        self.ands: dict[int, tuple[Fn, Fn]] = {}
        self._keep: list[Fn] = []  # keeps the noted functions alive, so that their ids stay theirs

    def compared(self, fn: Fn, left: Fn, op: str, right: Fn) -> None:
        if isinstance(left, _Path) and _is_number_const(right):
            self.found[id(fn)] = (left.steps, op, float(right.value))  # type: ignore[attr-defined]
        elif isinstance(right, _Path) and _is_number_const(left):
            self.found[id(fn)] = (right.steps, _MIRRORED[op], float(left.value))  # type: ignore[attr-defined]
        self._keep.append(fn)

    def combined(self, fn: Fn, word: str, left: Fn, right: Fn) -> None:
        if word == "and":
            self.ands[id(fn)] = (left, right)
            self._keep.append(fn)

    def _conjuncts(self, fn: Fn) -> list[Fn]:
        if id(fn) in self.ands:
            left, right = self.ands[id(fn)]
            return self._conjuncts(left) + self._conjuncts(right)
        return [fn]

    def is_one_comparison(self, fn: Fn) -> bool:
        """``fn`` is one noted comparison, alone or and-ed with existence guards of its own path's prefixes
        (``.attributes.x and .attributes.x[0][2] > 0.5``)."""
        parts = self._conjuncts(fn)
        compared = [self.found[id(p)] for p in parts if id(p) in self.found]
        if len(compared) != 1:
            return False
        steps = compared[0][0]
        guards = [p for p in parts if id(p) not in self.found]
        return all(isinstance(g, _Path) and steps[: len(g.steps)] == g.steps for g in guards)


def numeric_comparisons(expression: str) -> tuple[list[tuple[tuple, str, float]], bool]:
    """Comparisons of a path with a number in ``expression`` as ``(path, op, number)`` with the number on the
    right; and whether the expression is exactly one such comparison. Raises ``Unsupported`` like
    ``compile_native``."""
    reader = ComparisonReader(expression)
    top = reader.parse()
    found = list(reader.found.values())
    return found, len(found) == 1 and reader.is_one_comparison(top)
