"""Inlining for tg.jit: an op's own forward or backward code, written into the replay.

A replay that calls `F3(v2)` pays a Python call per kernel, and shows a learner only a
name. Inlined, the kernel is the op's code with the replay's names put in:

    if v2.size == 0 or v2.min() > _EXP_OVERFLOWS_BELOW[v2.dtype]:  # Sigmoid
        v3 = 1.0 / (1.0 + np.exp(-v2))
    else:
        t3_e = np.exp(-np.abs(v2))
        ...

It is the same code, so it gives the same bits. Like a compiler's inliner, this one
also puts in what the trace already knows, and drops the code that this decides:
which inputs need a gradient (a backward's `self.needs_input_grad`, fixed for a trace
by its guards), and an attribute that the node's forward set to a constant (x ** 2's
exponent). So a backward keeps only the gradients asked for, and reads like its rule:

    g10 = c5 * (2 * v4)  # PowScalarBackward
    _, g16 = (None, a0.swapaxes(-1, -2) @ g15)  # MatMulBackward

The steps, on the method's syntax tree (Python's `ast`):

1. Names: `self` becomes the node's name in the replay (`N3`), a known attribute its
   value, each argument the name or literal the replay passes (`*bias` the tuple of
   those left over), a global (np, a helper) an entry of the replay's namespace; the
   method's own variables get a prefix (`t3_e`), so that they cannot clash.
2. Constants: a variable assigned once from a constant is replaced by it; then `c[1]`,
   `not c`, `a is b`, `x if c else y` and `if c:` with known operands are decided, and
   so are tests of dtypes (`x.dtype.kind == 'f'`, `0 < x.dtype.type(α) <= 1`): an
   argument's dtype is the same at every replay (the guards fix the inputs' dtypes, and
   NumPy's result dtypes follow from dtypes alone), so LeakyReLU's forward is one line.
3. Returns: each `return value` becomes `target = value`; an `if` whose branch returns
   takes the rest of the method as its `else`.

Only plain methods are inlined: source that is what Python runs (the file unchanged
since its import), no closures, lambdas or nested definitions, no `**kwargs` or
keyword-only arguments, no comprehension left after step 2, no `return` inside a loop,
`with` or `finally`. The others are called, as before: `inline` returns None.
"""
from __future__ import annotations

import ast
import builtins
import copy
import inspect
import linecache
import re
import textwrap
import types
import warnings

import numpy as np

_sources = {}  # function -> its source (dedented), or None if it cannot be inlined
_compiled_files = {}  # (file name, hash of its text) -> its code compiled again

# names the replay function gives its own values, kernels and constants, its local
# variables `tensors` and `_`, and itself (see jit.py): a global of that name is renamed
_REPLAY_NAME = re.compile(r"^([vgactn]\d|[A-Z]\d|[DE]_|O\d|tensors$|_$|replay$|dtype_changed$)")

# a comprehension may stay in a branch that step 2 drops (Sum's `axis is None`); one that
# is left makes the method not inlined (it would close over the replay's variables)
_COMPREHENSIONS = (ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp)
_NOT_PLAIN = (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Global,
              ast.Nonlocal, ast.Yield, ast.YieldFrom, ast.Await, ast.AsyncFor, ast.AsyncWith,
              ast.NamedExpr, ast.Delete, ast.Match, ast.Import, ast.ImportFrom)
# names whose meaning depends on the scope they run in
_SCOPE_NAMES = ("super", "__class__", "locals", "vars", "globals", "dir", "eval", "exec",
                "compile", "__import__")


def inline(method, args, keywords, target, prefix, node_name, namespace, known=None, dtypes=None):
    """Lines (unindented) that compute `method(*args, **keywords)`, a bound method of the
    node named `node_name`, into `target`; None if `method` is not plain enough to inline.

    `args` and `keywords` are Python source (a replay's name or a literal), `target` the
    source of what the result is assigned to (`v3`, `g13, g14`, `_, g16`). Globals the
    code reads are bound in `namespace`, as they are when the trace compiles.

    `known` holds the node's attributes that are the same at every replay, read as
    constants: its forward, inlined, adds each `self.attr = constant` (PowScalar's
    exponent, from a literal option) for its backward; for a backward, the caller adds
    `needs_input_grad` (the engine sets it after forward, so not for forward).
    `dtypes` holds the dtype of each argument that is an array ({"v4": float64}), which
    tests of dtypes are decided from."""
    known = {} if known is None else known
    definition = _definition(getattr(method, "__func__", method))
    if definition is None:
        return None
    parameters = [a.arg for a in definition.args.args]
    values = dict(zip(parameters[1:], args))
    values.update(keywords)
    extra = args[len(parameters) - 1:]
    if definition.args.vararg:  # `*bias` is the tuple of the arguments left over
        parameters.append(definition.args.vararg.arg)
        values[parameters[-1]] = "(" + "".join(f"{a}, " for a in extra) + ")"
    elif extra:
        return None
    if set(values) != set(parameters[1:]):
        return None
    body = definition.body[1:] if _is_docstring(definition.body[0]) else definition.body
    stored = _stored_names(body)
    rebound = [p for p in parameters[1:] if p in stored]  # a parameter the code assigns
    assigned_here = {n.attr for s in body for n in ast.walk(s) if isinstance(n, ast.Attribute)
                     and isinstance(n.ctx, ast.Store) and isinstance(n.value, ast.Name)
                     and n.value.id == parameters[0]}  # an attribute the method sets is not known
    names = _Names(method, {k: v for k, v in known.items() if k not in assigned_here}, node_name,
                   prefix, namespace, stored | set(parameters),
                   {p: ast.parse(values[p], mode="eval").body for p in parameters[1:]
                    if p not in stored}, parameters[0])
    body = [names.visit(statement) for statement in body]
    if names.failed:
        return None
    body = [ast.parse(f"{prefix}{p} = {values[p]}").body[0] for p in rebound] + body
    decide = _Decide(dtypes or {}, namespace, method, prefix)
    body = _constants_put_in(_decided(_constants_put_in(body), decide))  # again: `g = None if False ...`
    if any(isinstance(n, _COMPREHENSIONS) for s in body for n in ast.walk(s)):
        return None
    assigned = ast.parse(f"{target} = None").body[0].targets[0]
    statements, ends = _returns_assigned(body, assigned)
    if statements is None:
        return None
    if not ends:  # the method falls off its end: it returned None
        statements.append(ast.Assign([copy.deepcopy(assigned)], ast.Constant(None)))
    known.update(_constant_attributes(statements, node_name))
    lines = []
    for statement in statements:
        lines += ast.unparse(ast.fix_missing_locations(statement)).splitlines()
    caught = {n.name for s in statements for n in ast.walk(s) if isinstance(n, ast.ExceptHandler)}
    temporaries = sorted({t.id for s in statements if isinstance(s, (ast.Assign, ast.AugAssign))
                          for t in ast.walk(s) if isinstance(t, ast.Name) and isinstance(t.ctx, ast.Store)
                          and t.id.startswith(prefix)} - caught)  # `except E as e` unbinds e itself
    if temporaries:  # the method's own variables die with its call; here, with a del
        lines.append(f"del {', '.join(temporaries)}")
    return lines


def _constant_attributes(statements, node_name) -> dict:
    """{attr: value} for each `node.attr = constant` among the top-level statements, of an
    attribute that nothing else in them assigns."""
    stores = [n for s in statements for n in ast.walk(s) if isinstance(n, ast.Attribute)
              and isinstance(n.ctx, ast.Store) and isinstance(n.value, ast.Name)
              and n.value.id == node_name]
    once = {n.attr for n in stores if sum(m.attr == n.attr for m in stores) == 1}
    return {s.targets[0].attr: s.value.value for s in statements
            if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.value, ast.Constant)
            and isinstance(s.targets[0], ast.Attribute) and s.targets[0].attr in once
            and isinstance(s.targets[0].value, ast.Name) and s.targets[0].value.id == node_name}


def _definition(function):
    """A new FunctionDef of a plain function (each inlining rewrites its own), else None.
    The source is looked up and checked once; parsing it again is cheaper than a copy."""
    if function in _sources:
        return None if _sources[function] is None else ast.parse(_sources[function]).body[0]
    source = definition = None
    try:
        source = textwrap.dedent(inspect.getsource(function))
        definition = ast.parse(source).body[0]
        if not _compiles_to(function):
            definition = None
    except (OSError, TypeError, SyntaxError, IndentationError, IndexError, AttributeError):
        pass
    plain = (isinstance(definition, ast.FunctionDef) and not definition.decorator_list
             and getattr(function, "__code__", None) is not None
             and not function.__code__.co_freevars
             and not (definition.args.kwarg or definition.args.kwonlyargs
                      or definition.args.posonlyargs or definition.args.defaults)
             and definition.args.args
             and not any(isinstance(n, _NOT_PLAIN) for s in definition.body for n in ast.walk(s))
             and not any(isinstance(n, ast.Name) and n.id in _SCOPE_NAMES
                         for n in ast.walk(definition)))
    _sources[function] = source if plain else None
    return definition if plain else None


def _compiles_to(function) -> bool:
    """Whether the source inspect finds for `function` is the code it runs: inspect reads
    the file as it is now, and a file edited since its import would inline other code
    than eager runs. The whole file is compiled again (once), as the import did: Python
    3.11 compiles `np.exp(x)` differently when `np` is a module the file imports."""
    code = function.__code__
    text = "".join(linecache.getlines(code.co_filename, function.__globals__))
    key = (code.co_filename, hash(text))
    if key not in _compiled_files:
        try:
            _compiled_files[key] = compile(text, code.co_filename, "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            _compiled_files[key] = None
    found = _code_named(_compiled_files[key], code.co_qualname, code.co_firstlineno)
    return found is not None and _same_code(found, code)


def _same_code(a, b) -> bool:
    """Same bytecode, names and constants; constants of the same type and repr (so 2 is
    not 2.0 and -0.0 not 0.0, though they compare equal), code objects compared alike."""
    return a.co_code == b.co_code and a.co_names == b.co_names and a.co_varnames == b.co_varnames \
        and len(a.co_consts) == len(b.co_consts) and all(map(_same_constant, a.co_consts, b.co_consts))


def _same_constant(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, types.CodeType):
        return _same_code(a, b)
    if isinstance(a, (tuple, frozenset)):
        a, b = sorted(a, key=repr), sorted(b, key=repr)
        return len(a) == len(b) and all(map(_same_constant, a, b))
    return repr(a) == repr(b)


def _code_named(module, qualname, first_line):
    """The code object of `qualname` defined at `first_line` in a compiled file, or None."""
    pending = [module] if module is not None else []
    while pending:
        code = pending.pop()
        if code.co_qualname == qualname and code.co_firstlineno == first_line:
            return code
        pending += [c for c in code.co_consts if isinstance(c, types.CodeType)]
    return None


def _is_docstring(statement) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) \
        and isinstance(statement.value.value, str)


def _stored_names(body) -> set:
    """Every name the code assigns (assignments, loop variables, `except ... as e`)."""
    names = set()
    for statement in body:
        for n in ast.walk(statement):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                names.add(n.id)
            elif isinstance(n, ast.ExceptHandler) and n.name:
                names.add(n.name)
    return names


class _Names(ast.NodeTransformer):
    """Step 1: the replay's names put in (see the module docstring)."""

    def __init__(self, method, known, node_name, prefix, namespace, own, arguments, self_name):
        self.globals = getattr(getattr(method, "__func__", method), "__globals__", {})
        self.known, self.node_name, self.prefix = known, node_name, prefix
        self.namespace, self.own, self.arguments = namespace, own, arguments
        self.self_name, self.failed = self_name, False

    def visit_Attribute(self, attribute):
        if isinstance(attribute.value, ast.Name) and attribute.value.id == self.self_name \
                and attribute.attr in self.known and isinstance(attribute.ctx, ast.Load):
            return ast.Constant(self.known[attribute.attr])
        return self.generic_visit(attribute)

    def visit_ExceptHandler(self, handler):
        if handler.name:
            handler.name = self.prefix + handler.name
        return self.generic_visit(handler)

    def visit_Name(self, name):
        if name.id == self.self_name:
            return ast.copy_location(ast.Name(self.node_name, name.ctx), name)
        if name.id in self.arguments:
            return copy.deepcopy(self.arguments[name.id])
        if name.id in self.own:
            return ast.copy_location(ast.Name(self.prefix + name.id, name.ctx), name)
        if name.id in self.globals:
            return ast.copy_location(ast.Name(self._bound(name.id, self.globals[name.id]), name.ctx), name)
        if not hasattr(builtins, name.id) or name.id in self.namespace:
            self.failed = True  # an unknown name, or a builtin the replay's namespace hides
        return name

    def _bound(self, name, value) -> str:
        """`name` bound to `value` in the replay's namespace, renamed if taken."""
        if self.namespace.get(name, value) is value and not _REPLAY_NAME.match(name) \
                and not hasattr(builtins, name):  # an inlined `max` elsewhere means the builtin
            self.namespace[name] = value
            return name
        self.namespace[self.prefix + name] = value
        return self.prefix + name


def _constants_put_in(body):
    """Step 2a: a variable assigned once, from a constant (`da, db = (True, False)`), is
    replaced by it."""
    counts = {}
    for statement in body:
        for n in ast.walk(statement):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                counts[n.id] = counts.get(n.id, 0) + 1
            elif isinstance(n, ast.ExceptHandler) and n.name:  # `except E as name` assigns too
                counts[n.name] = counts.get(n.name, 0) + 2
    known, kept = {}, []
    for statement in body:
        pairs = _constant_assignments(statement)
        if pairs is not None and all(counts[name] == 1 for name, _ in pairs):
            known.update(pairs)
            continue
        kept.append(statement)

    class Put(ast.NodeTransformer):
        def visit_Name(self, name):
            if name.id in known and isinstance(name.ctx, ast.Load):
                return ast.Constant(known[name.id])
            return name

    return [Put().visit(statement) for statement in kept]


def _constant_assignments(statement):
    """[(name, value)] for `name = constant` or `a, b = (constant, constant)`, else None."""
    if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
            and isinstance(statement.value, ast.Constant)):
        return None
    target, value = statement.targets[0], statement.value.value
    if isinstance(target, ast.Name):
        return [(target.id, value)]
    if isinstance(target, ast.Tuple) and isinstance(value, tuple) and len(value) == len(target.elts) \
            and all(isinstance(t, ast.Name) for t in target.elts):
        return [(t.id, v) for t, v in zip(target.elts, value)]
    return None


class _Decide(ast.NodeTransformer):
    """Step 2b: `c[1]`, `not c`, `x if c else y` with a constant c are worked out, and
    comparisons (`and`, `or`, `not`) of dtypes the trace knows; a helper of the op's own
    module whose body is one `return` is put in as its expression, once that is decided
    (`where(_array(v4) > 0, g, g * 0.01)` is `np.where(v4 > 0, g, g * 0.01)`)."""

    def __init__(self, dtypes, namespace, method, prefix):
        self.dtypes, self.namespace, self.prefix = dtypes, namespace, prefix
        self.module = getattr(method, "__module__", None)
        self.helpers = set()  # the helpers being put in (one that calls itself is left as a call)

    def visit_Call(self, call):
        self.generic_visit(call)
        helper = self.namespace.get(call.func.id) if isinstance(call.func, ast.Name) else None
        if not isinstance(helper, types.FunctionType) or helper.__module__ != self.module \
                or helper in self.helpers or call.keywords \
                or any(isinstance(a, ast.Starred) for a in call.args):
            return self._of_dtypes(call)
        self.helpers.add(helper)
        try:
            expression = self._helper_expression(helper, call.args)
        finally:
            self.helpers.discard(helper)
        return call if expression is None else expression

    def _helper_expression(self, helper, args):
        """The expression a one-line helper returns, with `args` put in and its type tests
        decided; None if it is not one, or if the arguments that are not a name or a
        constant would not be evaluated once each, in the call's order, as the call does."""
        definition = _definition(helper)
        if definition is None or definition.args.vararg or len(definition.args.args) != len(args):
            return None
        parameters = [a.arg for a in definition.args.args]
        body = definition.body[1:] if _is_docstring(definition.body[0]) else definition.body
        if len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].value is None:
            return None
        names = _Names(helper, {}, None, self.prefix, self.namespace, set(parameters),
                       dict(zip(parameters, args)), None)
        expression = self.visit(names.visit(body[0].value))
        if names.failed or any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                               and n.func.id == "isinstance" for n in ast.walk(expression)):
            return None  # (a type test left undecided: the helper is called, as before)
        evaluated = [a for a in args if not isinstance(a, (ast.Name, ast.Constant))]
        if _evaluation_order(expression, evaluated) != list(range(len(evaluated))):
            return None
        return expression

    def visit_Subscript(self, subscript):
        self.generic_visit(subscript)
        items = _items(subscript.value)
        if items is not None and isinstance(subscript.slice, ast.Constant) \
                and type(subscript.slice.value) is int and isinstance(subscript.ctx, ast.Load) \
                and -len(items) <= subscript.slice.value < len(items):
            item = items[subscript.slice.value]
            return item if isinstance(item, ast.AST) else ast.Constant(item)
        return subscript

    def visit_UnaryOp(self, operation):
        self.generic_visit(operation)
        truth = _truth(operation.operand)
        if isinstance(operation.op, ast.Not) and truth is not None:
            return ast.Constant(not truth)
        return self._of_dtypes(operation)

    def visit_BoolOp(self, operation):
        self.generic_visit(operation)
        return self._of_dtypes(operation)

    def visit_Compare(self, comparison):
        self.generic_visit(comparison)
        operands = [comparison.left] + comparison.comparators
        identity = isinstance(comparison.ops[0], (ast.Is, ast.IsNot))
        if len(operands) == 2 and all(isinstance(o, ast.Constant) for o in operands) \
                and type(comparison.ops[0]) in _COMPARED \
                and not (identity and not any(o.value is s for o in operands for s in _SINGLETONS)):
            return ast.Constant(_COMPARED[type(comparison.ops[0])](operands[0].value, operands[1].value))
        return self._of_dtypes(comparison)

    def visit_IfExp(self, expression):
        self.generic_visit(expression)
        truth = self.truth(expression.test)
        if truth is not None:
            return expression.body if truth else expression.orelse
        return expression

    def truth(self, test):
        """Whether the test of an `if` is true, when the trace knows it, else None."""
        truth = _truth(test)
        if truth is None:
            value = _evaluated(test, self.dtypes, self.namespace)
            truth = None if value is _UNKNOWN else bool(value)
        return truth

    def _of_dtypes(self, expression):
        """`expression` as a constant if the trace knows it is True or False (a bool: a
        NumPy bool as a value is not the same object to the code that reads it)."""
        value = _evaluated(expression, self.dtypes, self.namespace)
        return ast.Constant(value) if type(value) is bool else expression


_SINGLETONS = (None, True, False, Ellipsis)  # `is` between constants is decided only for these
_COMPARED = {ast.Is: lambda a, b: a is b, ast.IsNot: lambda a, b: a is not b,
             ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b}

_UNKNOWN = object()
_ORDERED = {ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b, ast.Lt: lambda a, b: a < b,
            ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
            ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b}
_DTYPE_FACTS = ("kind", "type", "itemsize", "char", "name", "str")  # a dtype's plain facts


def _evaluated(node, dtypes, namespace):
    """The value of the expression `node` if it follows from literals and the dtypes of
    the arguments alone (`v4.dtype.kind`, `v4.dtype.type(0.01)`, `np.float64`), else
    _UNKNOWN. A warning or an error while working it out (NumPy's overflows raise here,
    whatever np.errstate the trace runs in) leaves it unknown: it runs at every replay."""
    try:
        with warnings.catch_warnings(), np.errstate(all="raise"):
            warnings.simplefilter("error")
            return _value_of(node, dtypes, namespace)
    except Exception:  # noqa: BLE001 (whatever it is, the replay runs the code itself)
        return _UNKNOWN


def _same_tree(a, b) -> bool:
    return type(a) is type(b) and ast.dump(a) == ast.dump(b)


def _evaluation_order(expression, arguments) -> list | None:
    """The indices of `arguments` (expressions) in the order `expression` evaluates them,
    None if one sits where it may not run (a branch of `x if c else y`, `and`, `or`, a
    chained comparison) or runs out of its fields' order (a dict display). Python
    evaluates the other expressions' parts in the order their fields are listed."""
    order = []

    def walk(node, conditional):
        for i, argument in enumerate(arguments):
            if _same_tree(node, argument):
                order.append(None if conditional else i)
                return
        for child in ast.iter_child_nodes(node):
            walk(child, conditional or isinstance(node, (ast.IfExp, ast.BoolOp, ast.Dict))
                 or (isinstance(node, ast.Compare) and len(node.ops) > 1))

    walk(expression, False)
    return None if None in order else order


def _value_of(node, dtypes, namespace):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "isinstance" \
            and "isinstance" not in namespace and len(node.args) == 2 and not node.keywords \
            and isinstance(node.args[0], ast.Name) and node.args[0].id in dtypes:
        classes = _value_of(node.args[1], dtypes, namespace)  # (the replay's values are arrays)
        return isinstance(np.empty(0, dtypes[node.args[0].id]), classes) if _classes(classes) else _UNKNOWN
    if isinstance(node, ast.Name) and node.id not in dtypes and _classes(namespace.get(node.id)):
        return namespace[node.id]  # a class, or a tuple of classes, the code names
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        if node.attr == "dtype" and node.value.id in dtypes:
            return dtypes[node.value.id]
        if namespace.get(node.value.id) is np and isinstance(getattr(np, node.attr, None), type):
            return getattr(np, node.attr)  # np.float64, ...: a class of NumPy
    if isinstance(node, ast.Attribute) and node.attr in _DTYPE_FACTS:
        owner = _value_of(node.value, dtypes, namespace)
        return getattr(owner, node.attr) if isinstance(owner, np.dtype) else _UNKNOWN
    if isinstance(node, ast.Call) and not node.keywords:  # np.float64(0.01): a NumPy scalar
        function = _value_of(node.func, dtypes, namespace)
        args = [_value_of(a, dtypes, namespace) for a in node.args]
        if isinstance(function, type) and issubclass(function, np.generic) \
                and all(type(a) in (bool, int, float) for a in args):
            return function(*args)
    if isinstance(node, ast.Compare) and all(type(op) in _ORDERED for op in node.ops):
        operands = [_value_of(o, dtypes, namespace) for o in [node.left] + node.comparators]
        if _UNKNOWN not in operands:
            return all(_ORDERED[type(op)](a, b) for op, a, b in zip(node.ops, operands, operands[1:]))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        operand = _value_of(node.operand, dtypes, namespace)
        return _UNKNOWN if operand is _UNKNOWN else not operand
    if isinstance(node, ast.BoolOp):  # Python's own rule: the operand that decides is the value
        for operand in node.values:
            value = _value_of(operand, dtypes, namespace)
            if value is _UNKNOWN or bool(value) is isinstance(node.op, ast.Or) or operand is node.values[-1]:
                return value
    return _UNKNOWN


def _classes(value) -> bool:
    """Whether `value` is a class or a tuple of classes (what isinstance takes)."""
    return isinstance(value, type) or (isinstance(value, tuple) and bool(value)
                                       and all(isinstance(v, type) for v in value))


def _items(node):
    """The items of a constant tuple or of a tuple display `(a, b)`, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, tuple):
        return node.value
    # (only of names and constants: dropping the other items must not drop a call)
    if isinstance(node, ast.Tuple) and all(isinstance(e, (ast.Name, ast.Constant)) for e in node.elts):
        return node.elts
    return None


def _truth(test):
    """Whether `test` is true, when that is known without running it (a constant, a tuple
    display such as `*bias`'s `(c1,)`), else None."""
    if isinstance(test, ast.Constant):
        return bool(test.value)
    items = _items(test)
    return None if items is None else bool(items)


def _decided(body, decide):
    """Step 2b on statements: `if` with a constant test keeps the branch it takes."""
    decided = []
    for statement in body:
        statement = decide.visit(statement)
        if isinstance(statement, ast.If):
            statement.body, statement.orelse = _decided(statement.body, decide), _decided(statement.orelse, decide)
            truth = decide.truth(statement.test)
            if truth is not None:
                decided += statement.body if truth else statement.orelse
                continue
            if not statement.body:
                statement.body = [ast.Pass()]
        decided.append(statement)
    return decided


def _returns_assigned(body, target):
    """Step 3: (statements, whether every path ends in a return or raise), with each
    `return value` made `target = value`; (None, False) where a return cannot be
    rewritten so (inside a loop, `with` or `finally`)."""
    out = []
    for i, statement in enumerate(body):
        if isinstance(statement, ast.Return):
            value = statement.value or ast.Constant(None)
            out.append(ast.Assign([copy.deepcopy(target)], value))
            return out, True
        if isinstance(statement, ast.Raise):
            out.append(statement)
            return out, True
        if isinstance(statement, ast.If) and _has_return(statement):
            then, then_ends = _returns_assigned(statement.body, target)
            otherwise, otherwise_ends = _returns_assigned(statement.orelse, target)
            if then is None or otherwise is None:
                return None, False
            rest = body[i + 1:]
            if then_ends and not otherwise_ends:  # the rest of the method runs after `else`
                otherwise, otherwise_ends = _returns_assigned(statement.orelse + rest, target)
            elif otherwise_ends and not then_ends:
                then, then_ends = _returns_assigned(statement.body + rest, target)
            elif not then_ends:  # neither ends: both go on to the rest
                then, then_ends = _returns_assigned(statement.body + rest, target)
                otherwise, otherwise_ends = _returns_assigned(statement.orelse + rest, target)
            if then is None or otherwise is None:
                return None, False
            out.append(ast.If(statement.test, then or [ast.Pass()], otherwise))
            return out, then_ends and otherwise_ends
        if isinstance(statement, ast.Try) and _has_return(statement):
            if statement.finalbody or statement.orelse or i != len(body) - 1:
                return None, False
            tried, tried_ends = _returns_assigned(statement.body, target)
            handlers = []
            for handler in statement.handlers:
                handled, handled_ends = _returns_assigned(handler.body, target)
                if handled is None or not handled_ends:
                    return None, False
                handler.body = handled
                handlers.append(handler)
            if tried is None or not tried_ends:
                return None, False
            out.append(ast.Try(tried, handlers, [], []))
            return out, True
        if _has_return(statement):  # a return in a loop or `with`: not rewritten
            return None, False
        out.append(statement)
    return out, False


def _has_return(statement) -> bool:
    return any(isinstance(n, ast.Return) for n in ast.walk(statement))
