"""infopro on Airflow: prep -> train -> evaluate -> report, one run per logical date.

Each task is a SparkSubmitOperator (apache-airflow-providers-apache-spark) running the jobs jar's
org.infopro.jobs.Main on the cluster of the `spark_default` connection (YARN here: its master is `yarn`).
The dataset and the run folder are named after the logical date ({{ ds }}), so each DAG run owns its
outputs, and every task's command line is safe to run again as it is, which is what an Airflow retry does:

  prep      prep-idx --if-exists skip-ok   keeps a complete dataset of the same options; a failed attempt left
                                           only a staging folder, which the retry replaces
  train     train --if-exists resume       continues from the last checkpoint, starts when there is none, keeps a
                                           run that finished ok with the same options
  evaluate  evaluate --result FILE         reads the run, writes its result file atomically: a rerun replaces it
  report    report --run DIR               reads the run, writes report.html atomically: a rerun replaces it

spark.yarn.maxAppAttempts=1 leaves retries to Airflow (YARN would otherwise run every failed driver twice
inside each try). Results are read from the files on shared storage (result.json, --result), never from the
driver's stdout, which is in a container log in cluster mode.

docs/operations/airflow.md describes the retry contract; submit/airflow/dag_render.py prints the argv each
task's hook builds, without Airflow, and the jobs module's DagContractTest and DagArgvIT check and run it.
Module-level constants are the knobs (dag_render.py --set NAME=VALUE overrides one).
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

# Where things are: the jobs jar on every worker, raw Fashion-MNIST IDX files, and the roots under which each
# logical date gets its dataset and run folder (any Hadoop file system the cluster reads).
JOBS_JAR = "/opt/infopro/infopro-jobs.jar"
RAW = "hdfs:///infopro/raw/fashion-mnist"
DATA_ROOT = "hdfs:///infopro/datasets"
RUNS_ROOT = "hdfs:///infopro/runs"
DEPLOY_MODE = "cluster"

DATASET = DATA_ROOT + "/fashion-mnist-{{ ds }}"
RUN = RUNS_ROOT + "/resnet20-k2-{{ ds }}"

# The job options that are the experiment rather than the plumbing.
PREP_OPTIONS = ["--dataset", "fashion-mnist", "--shards", "8"]
TRAIN_OPTIONS = ["--depth", "20", "--splits", "2,1", "--epochs", "10", "--batch-size", "128"]

SPARK_CONF = {
    "spark.yarn.maxAppAttempts": "1",
    "spark.executor.memoryOverhead": "3g",
    "spark.executorEnv.OMP_NUM_THREADS": "1",
}

DEFAULT_ARGS = {
    "owner": "infopro",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
}

with DAG(
    dag_id="infopro_fashion_mnist",
    description="InfoPro ResNet-20 K=2 on Fashion-MNIST: prep, train, evaluate, report",
    start_date=datetime(2026, 1, 1),
    schedule="@daily",
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["infopro"],
) as dag:
    prep = SparkSubmitOperator(
        task_id="prep",
        conn_id="spark_default",
        application=JOBS_JAR,
        java_class="org.infopro.jobs.Main",
        name="infopro-prep-{{ ds }}",
        deploy_mode=DEPLOY_MODE,
        conf=SPARK_CONF,
        application_args=["prep-idx", "--input", RAW, "--output", DATASET] + PREP_OPTIONS + ["--if-exists", "skip-ok"],
    )

    train = SparkSubmitOperator(
        task_id="train",
        conn_id="spark_default",
        application=JOBS_JAR,
        java_class="org.infopro.jobs.Main",
        name="infopro-train-{{ ds }}",
        deploy_mode=DEPLOY_MODE,
        conf=SPARK_CONF,
        application_args=["train", "--dataset", DATASET, "--out", RUN] + TRAIN_OPTIONS + ["--if-exists", "resume"],
    )

    evaluate = SparkSubmitOperator(
        task_id="evaluate",
        conn_id="spark_default",
        application=JOBS_JAR,
        java_class="org.infopro.jobs.Main",
        name="infopro-evaluate-{{ ds }}",
        deploy_mode=DEPLOY_MODE,
        conf=SPARK_CONF,
        application_args=["evaluate", "--run", RUN, "--split", "test", "--result", RUN + "/evaluate-test.json"],
    )

    report = SparkSubmitOperator(
        task_id="report",
        conn_id="spark_default",
        application=JOBS_JAR,
        java_class="org.infopro.jobs.Main",
        name="infopro-report-{{ ds }}",
        deploy_mode=DEPLOY_MODE,
        conf=SPARK_CONF,
        application_args=["report", "--run", RUN, "--out", RUN + "/report.html"],
    )

    prep >> train >> evaluate >> report
