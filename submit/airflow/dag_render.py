#!/usr/bin/env python3
"""Prints the spark-submit argv each SparkSubmitOperator of a DAG file would run, without Airflow.

Usage: dag_render.py DAG.py --ds YYYY-MM-DD [--master URL] [--spark-binary NAME] [--set NAME=VALUE ...]

The DAG file is parsed with `ast`, never imported (Airflow is not installed here). Module-level assignments
are evaluated as literals (strings, numbers, lists, dicts, `+`, f-strings, names bound before, `timedelta(...)`
and `datetime(...)`); each `NAME = SparkSubmitOperator(...)` is a task, with its literal keyword arguments;
`a >> b >> c` (and `<<`) are its dependencies; `DAG(default_args=...)` gives the tasks' defaults (retries).
Anything else in an operator's arguments is refused, so what is printed is what the file says.

The operator's templated fields are rendered with jinja2 for the logical date `--ds` ({{ ds }},
{{ ds_nodash }}, {{ ts }}, {{ ts_nodash }}, {{ logical_date }}, {{ run_id }}); an undefined name is an error.
The argv follows SparkSubmitHook._build_spark_submit_command (apache-airflow-providers-apache-spark):
spark-submit, --master <connection>, --conf k=v per conf entry in order, env_vars as
spark.yarn.appMasterEnv.K=V (YARN cluster mode) or spark.kubernetes.driverEnv.K=V, --files, --py-files,
--archives, --driver-class-path, --jars, --packages, --exclude-packages, --repositories, --num-executors,
--total-executor-cores, --executor-cores, --executor-memory, --driver-memory, --keytab, --principal,
--proxy-user, --name, --class, --verbose, (--queue: the connection's, not modelled), --deploy-mode,
application, application_args.

--master is the `spark_default` connection's master (default yarn). --set NAME=VALUE replaces a module-level
constant before anything that uses it is evaluated (VALUE is parsed as JSON when it is a JSON list, object or
number, else taken as text); tests use it to point DATA_ROOT, RUNS_ROOT, RAW and JOBS_JAR at temporary folders,
DEPLOY_MODE at client, and TRAIN_OPTIONS at a tiny network. An unknown NAME is an error.

Prints one JSON object: the DAG's id, the logical date, and one entry per task in dependency order (task_id,
upstream, retries, retry_delay_s, job, rendered kwargs, argv). Exit 0, or 2 with one line on stderr for a DAG
this cannot read or render.
"""
import argparse
import ast
import datetime as dt
import json
import sys

import jinja2

OPERATOR = "SparkSubmitOperator"
# SparkSubmitOperator's own arguments (the provider's signature) plus BaseOperator's that a DAG here may use
OPERATOR_ARGS = {
    "application", "conf", "conn_id", "files", "py_files", "archives", "driver_class_path", "jars", "java_class",
    "packages", "exclude_packages", "repositories", "total_executor_cores", "executor_cores", "executor_memory",
    "driver_memory", "keytab", "principal", "proxy_user", "name", "num_executors", "status_poll_interval",
    "application_args", "env_vars", "verbose", "spark_binary", "properties_file", "deploy_mode",
    "use_krb5ccache", "yarn_track_via_rm_api", "track_driver_via_k8s_api", "durable",
    "task_id", "retries", "retry_delay", "retry_exponential_backoff", "max_retry_delay", "execution_timeout",
    "pool", "priority_weight", "trigger_rule", "owner", "doc_md", "sla", "queue", "depends_on_past",
}
TEMPLATE_FIELDS = ("application", "conf", "files", "py_files", "jars", "driver_class_path", "packages", "exclude_packages",
                   "keytab", "principal", "proxy_user", "name", "application_args", "env_vars", "properties_file")
DEFAULT_NAME = "arrow-spark"


class DagError(Exception):
    pass


class Evaluator:
    """Evaluates the literal subset of Python a DAG file's constants and operator arguments are written in."""

    def __init__(self, overrides):
        self.names = {}
        self.overrides = dict(overrides)
        self.used = set()

    def assign(self, name, node):
        if name in self.overrides:
            self.used.add(name)
            self.names[name] = self.overrides[name]
        else:
            self.names[name] = self.value(node)

    def value(self, n):
        if isinstance(n, ast.Constant):
            return n.value
        if isinstance(n, (ast.List, ast.Tuple)):
            return [self.value(e) for e in n.elts]
        if isinstance(n, ast.Dict):
            if any(k is None for k in n.keys):
                raise DagError(f"line {n.lineno}: ** in a dict is not a literal")
            return {self.value(k): self.value(v) for k, v in zip(n.keys, n.values)}
        if isinstance(n, ast.Name):
            if n.id not in self.names:
                raise DagError(f"line {n.lineno}: name '{n.id}' is not a module-level constant defined before it")
            return self.names[n.id]
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add):
            left, right = self.value(n.left), self.value(n.right)
            if type(left) is not type(right) and not (isinstance(left, (int, float)) and isinstance(right, (int, float))):
                raise DagError(f"line {n.lineno}: cannot add {type(left).__name__} and {type(right).__name__}")
            return left + right
        if isinstance(n, ast.JoinedStr):
            out = []
            for part in n.values:
                if isinstance(part, ast.Constant):
                    out.append(part.value)
                elif isinstance(part, ast.FormattedValue) and part.format_spec is None and part.conversion == -1:
                    out.append(str(self.value(part.value)))
                else:
                    raise DagError(f"line {n.lineno}: only plain {{NAME}} fields are allowed in f-strings")
            return "".join(out)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in ("timedelta", "datetime"):
            args = [self.value(a) for a in n.args]
            kwargs = {k.arg: self.value(k.value) for k in n.keywords}
            if n.func.id == "timedelta":
                return {"timedelta_s": dt.timedelta(*args, **kwargs).total_seconds()}
            return {"datetime": dt.datetime(*args, **kwargs).isoformat()}
        raise DagError(f"line {getattr(n, 'lineno', '?')}: {ast.dump(n)[:60]}... is not a literal this renderer reads")


def call_name(n):
    if isinstance(n, ast.Call):
        f = n.func
        return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
    return None


def parse_dag(text, overrides):
    try:
        tree = ast.parse(text)
    except SyntaxError as e:
        raise DagError(f"the DAG file is not valid Python: {e}") from e
    ev = Evaluator(overrides)
    dag = {"dag_id": None, "default_args": {}}
    tasks = {}  # variable name -> {kwargs, line}
    edges = []  # (upstream var, downstream var)

    def dag_call(call):
        for k in call.keywords:
            if k.arg == "dag_id":
                dag["dag_id"] = ev.value(k.value)
            elif k.arg == "default_args":
                dag["default_args"] = ev.value(k.value)
        if call.args and dag["dag_id"] is None:
            dag["dag_id"] = ev.value(call.args[0])

    def chain(n):
        """The task variables of a >> / << expression, in execution order, recording the edges."""
        if isinstance(n, ast.Name):
            if n.id not in tasks:
                raise DagError(f"line {n.lineno}: '{n.id}' in a dependency is not a task")
            return [n.id], [n.id]
        if isinstance(n, ast.List):
            firsts, lasts = [], []
            for e in n.elts:
                f, l = chain(e)
                firsts += f
                lasts += l
            return firsts, lasts
        if isinstance(n, ast.BinOp) and isinstance(n.op, (ast.RShift, ast.LShift)):
            lf, ll = chain(n.left)
            rf, rl = chain(n.right)
            if isinstance(n.op, ast.RShift):
                edges.extend((u, d) for u in ll for d in rf)
                return lf, rl
            edges.extend((u, d) for u in rl for d in lf)
            return rf, ll
        raise DagError(f"line {getattr(n, 'lineno', '?')}: a dependency must be tasks joined by >> or <<")

    def walk(body):
        for st in body:
            if isinstance(st, (ast.Import, ast.ImportFrom)) or (isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant)):
                continue
            if isinstance(st, ast.With):
                for item in st.items:
                    if call_name(item.context_expr) == "DAG":
                        dag_call(item.context_expr)
                walk(st.body)
            elif isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name):
                name = st.targets[0].id
                if call_name(st.value) == OPERATOR:
                    if st.value.args:
                        raise DagError(f"line {st.lineno}: {OPERATOR} takes keyword arguments only")
                    kwargs = {}
                    for k in st.value.keywords:
                        if k.arg is None:
                            raise DagError(f"line {st.lineno}: **kwargs in {OPERATOR}(...) is not a literal")
                        if k.arg not in OPERATOR_ARGS:
                            raise DagError(f"line {k.value.lineno}: {OPERATOR} has no argument '{k.arg}'")
                        kwargs[k.arg] = ev.value(k.value)
                    if "task_id" not in kwargs:
                        raise DagError(f"line {st.lineno}: {OPERATOR} without task_id")
                    tasks[name] = {"kwargs": kwargs, "line": st.lineno}
                elif call_name(st.value) == "DAG":
                    dag_call(st.value)
                else:
                    ev.assign(name, st.value)
            elif isinstance(st, ast.Expr) and isinstance(st.value, ast.BinOp):
                chain(st.value)
            else:
                raise DagError(f"line {st.lineno}: a {type(st).__name__} statement is not part of a DAG this renderer reads")

    walk(tree.body)
    unused = set(ev.overrides) - ev.used
    if unused:
        raise DagError(f"--set {', '.join(sorted(unused))}: no such module-level constant in the DAG file")
    if not tasks:
        raise DagError(f"the DAG file has no {OPERATOR} task")
    return dag, tasks, edges


def order(tasks, edges):
    upstream = {t: [] for t in tasks}
    for u, d in edges:
        if u not in upstream[d]:
            upstream[d].append(u)
    done, out = set(), []
    while len(out) < len(tasks):
        ready = [t for t in tasks if t not in done and all(u in done for u in upstream[t])]
        if not ready:
            raise DagError("the dependencies have a cycle among " + ", ".join(t for t in tasks if t not in done))
        for t in ready[:1]:  # one at a time, in the file's order, so the order is stable
            done.add(t)
            out.append(t)
    return out, upstream


def render(value, env, context):
    if isinstance(value, str):
        try:
            return env.from_string(value).render(**context)
        except jinja2.TemplateError as e:
            raise DagError(f"template {value!r}: {e}") from e
    if isinstance(value, list):
        return [render(v, env, context) for v in value]
    if isinstance(value, dict):
        return {k: render(v, env, context) for k, v in value.items()}
    return value


def argv(kw, master, spark_binary):
    """SparkSubmitHook._build_spark_submit_command, for the arguments this DAG's operators can have."""
    cmd = [kw.get("spark_binary") or spark_binary, "--master", master]
    for k, v in (kw.get("conf") or {}).items():
        cmd += ["--conf", f"{k}={v}"]
    deploy_mode = kw.get("deploy_mode")
    env_vars = kw.get("env_vars") or {}
    if env_vars:
        if master.startswith("yarn") and deploy_mode == "cluster":
            for k, v in env_vars.items():
                cmd += ["--conf", f"spark.yarn.appMasterEnv.{k}={v}"]
        elif master.startswith("k8s") and deploy_mode == "cluster":
            for k, v in env_vars.items():
                cmd += ["--conf", f"spark.kubernetes.driverEnv.{k}={v}"]
        else:
            raise DagError("env_vars outside YARN or Kubernetes cluster mode go to the spark-submit process, which this does not model")
    if kw.get("properties_file"):
        cmd += ["--properties-file", kw["properties_file"]]
    for arg, opt in (("files", "--files"), ("py_files", "--py-files"), ("archives", "--archives"),
                     ("driver_class_path", "--driver-class-path"), ("jars", "--jars"), ("packages", "--packages"),
                     ("exclude_packages", "--exclude-packages"), ("repositories", "--repositories"),
                     ("num_executors", "--num-executors"), ("total_executor_cores", "--total-executor-cores"),
                     ("executor_cores", "--executor-cores"), ("executor_memory", "--executor-memory"),
                     ("driver_memory", "--driver-memory"), ("keytab", "--keytab"), ("principal", "--principal"),
                     ("proxy_user", "--proxy-user")):
        if kw.get(arg) not in (None, ""):
            cmd += [opt, str(kw[arg])]
    cmd += ["--name", kw.get("name") or DEFAULT_NAME]
    if kw.get("java_class"):
        cmd += ["--class", kw["java_class"]]
    if kw.get("verbose"):
        cmd += ["--verbose"]
    # --queue comes from the connection's extra (an operator's queue= is the Airflow executor's queue): not modelled
    if deploy_mode:
        cmd += ["--deploy-mode", deploy_mode]
    if not kw.get("application"):
        raise DagError(f"task {kw['task_id']}: no application")
    cmd += [kw["application"]]
    cmd += [str(a) for a in kw.get("application_args") or []]
    return cmd


def main(args=None):
    p = argparse.ArgumentParser(description="Prints the spark-submit argv of each SparkSubmitOperator in a DAG file.")
    p.add_argument("dag", help="the DAG file (parsed, never imported)")
    p.add_argument("--ds", required=True, help="the logical date, YYYY-MM-DD")
    p.add_argument("--master", default="yarn", help="the spark_default connection's master (default yarn)")
    p.add_argument("--spark-binary", default="spark-submit", help="the connection's spark-binary (default spark-submit)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="replace a module-level constant")
    a = p.parse_args(args)
    try:
        try:
            logical = dt.datetime.strptime(a.ds, "%Y-%m-%d").replace(tzinfo=dt.timezone.utc)
        except ValueError:
            raise DagError(f"--ds {a.ds!r}: expected a date YYYY-MM-DD")
        overrides = {}
        for s in a.set:
            if "=" not in s:
                raise DagError(f"--set {s!r}: expected NAME=VALUE")
            k, v = s.split("=", 1)
            try:
                parsed = json.loads(v)
                overrides[k] = parsed if isinstance(parsed, (list, dict, int, float)) and not isinstance(parsed, bool) else v
            except json.JSONDecodeError:
                overrides[k] = v
        with open(a.dag, encoding="utf-8") as f:
            dag, tasks, edges = parse_dag(f.read(), overrides)
        ordered, upstream = order(tasks, edges)
        env = jinja2.Environment(undefined=jinja2.StrictUndefined)
        ts = logical.isoformat()
        context = {"ds": a.ds, "ds_nodash": a.ds.replace("-", ""), "ts": ts,
                   "ts_nodash": logical.strftime("%Y%m%dT%H%M%S"), "logical_date": logical,
                   "run_id": f"scheduled__{ts}"}
        defaults = dag["default_args"] or {}
        out = []
        for var in ordered:
            kw = dict(tasks[var]["kwargs"])
            for field in TEMPLATE_FIELDS:
                if field in kw:
                    kw[field] = render(kw[field], env, context)
            retries = kw.get("retries", defaults.get("retries", 0))
            delay = kw.get("retry_delay", defaults.get("retry_delay"))
            app_args = kw.get("application_args") or []
            out.append({
                "task_id": kw["task_id"],
                "upstream": [tasks[u]["kwargs"]["task_id"] for u in upstream[var]],
                "retries": retries,
                "retry_delay_s": delay.get("timedelta_s") if isinstance(delay, dict) else delay,
                "job": app_args[0] if app_args else None,
                "kwargs": {k: v for k, v in kw.items() if k not in ("retry_delay",)},
                "argv": argv(kw, a.master, a.spark_binary),
            })
        json.dump({"dag_id": dag["dag_id"], "logical_date": a.ds, "master": a.master, "tasks": out}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    except (DagError, OSError) as e:
        print(f"dag_render: {a.dag}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
