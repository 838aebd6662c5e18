"""Attachments in S3-compatible object storage (ATTACHMENT_STORAGE=s3), tested against
moto's S3 server on this machine over HTTP: files lodged on the public form and added by
staff go to the bucket (nothing on disk) and download from it; readiness writes to it;
the orphan sweep, backups and restores work on it."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import Attachment, Division, db, utcnow
from services import orphan_files
from services.intake import attachment_folder
from tests.admin_forms import form_values
from tests.conftest import csrf_token, free_port
from tests.test_public_form import complete

PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def bucket_client(endpoint):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="ap-southeast-2",
        aws_access_key_id="portal",
        aws_secret_access_key="portal-secret",
    )


@pytest.fixture
def bucket(app, s3_server, tmp_path, request):
    name = f"portal-{request.node.name.lower()[:30].replace('_', '-').strip('-')}-{free_port()}"
    client = bucket_client(s3_server)
    client.create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-2"}
    )
    app.config.update(
        ATTACHMENT_STORAGE="s3",
        S3_BUCKET=name,
        S3_PREFIX="attachments",
        S3_ENDPOINT_URL=s3_server,
        S3_REGION="ap-southeast-2",
        S3_ACCESS_KEY_ID="portal",
        S3_SECRET_ACCESS_KEY="portal-secret",
        # Set, but not used while the bucket is the store: nothing may land here.
        ATTACHMENT_FOLDER=str(tmp_path / "never-used"),
    )
    return client, name


def keys(bucket):
    client, name = bucket
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=name).get("Contents", []))


def test_lodged_and_staff_files_go_to_the_bucket_and_download_from_it(
    app, client, auth, make, bucket, tmp_path
):
    intake = Division(code="CS", name="Customer Services", calendar=make.calendar())
    db.session.add(intake)
    db.session.commit()
    form = client.get("/lodge/").get_data(as_text=True)
    values = complete()
    values["csrf_token"] = csrf_token(form)
    values["attachments"] = [(io.BytesIO(PNG), "counter.png")]
    lodged = client.post("/lodge/", data=values, content_type="multipart/form-data")
    assert lodged.status_code in (200, 302, 303)
    (photo,) = db.session.scalars(select(Attachment)).all()
    assert keys(bucket) == [f"attachments/{photo.stored_name}"]
    assert not (tmp_path / "never-used").exists()

    make.user("coord", "coordinator", division=intake)
    auth.login("coord")
    complaint_id = photo.complaint_id
    download = client.get(f"/admin/complaint/attachment/{photo.id}/")
    assert download.status_code == 200 and download.data == PNG

    # The second door: a document added by staff on the case.
    url = f"/admin/complaint/document/?id={complaint_id}"
    page = client.get(url).get_data(as_text=True)
    fields = form_values(page)
    fields.update(note="Site photo", document=(io.BytesIO(PDF), "notes.pdf"))
    added = client.post(url, data=fields, content_type="multipart/form-data")
    assert added.status_code == 302
    document = db.session.scalar(select(Attachment).filter_by(original_filename="notes.pdf"))
    assert f"attachments/{document.stored_name}" in keys(bucket)
    assert client.get(f"/admin/complaint/attachment/{document.id}/").data == PDF
    assert not (tmp_path / "never-used").exists()


def test_readiness_writes_to_the_bucket_and_fails_without_it(app, client, bucket):
    from views.operations import _readiness

    with app.test_request_context():
        (attachments,) = [c for c in _readiness() if c.name == "attachments"]
    assert attachments.ok and "object storage" in attachments.detail
    assert keys(bucket) == []  # the probe is removed
    app.config["S3_BUCKET"] = "no-such-bucket"
    with app.test_request_context():
        (attachments,) = [c for c in _readiness() if c.name == "attachments"]
    assert not attachments.ok and attachments.detail == "object storage not writable (see the log)"


def test_the_sweep_removes_objects_no_record_names(app, bucket, make):
    store = attachment_folder(app)
    (store / ("a" * 32)).write_bytes(b"left behind")
    make.complaint()
    later = utcnow() + timedelta(hours=2)
    found = orphan_files.orphans(db.session, store, timedelta(hours=1), now=later)
    assert [o.path.name for o in found] == ["a" * 32]
    orphan_files.sweep(db.session, store, timedelta(hours=1), now=later)
    assert keys(bucket) == []


def test_a_backup_of_the_bucket_restores_into_another(app, bucket, make, tmp_path, s3_server):
    from tests.conftest import _app_on

    store = attachment_folder(app)
    (store / ("b" * 32)).write_bytes(b"a file")
    runner = app.test_cli_runner()
    taken = runner.invoke(args=["backup", "--to", str(tmp_path / "backups")])
    assert taken.exit_code == 0, taken.output
    (backup,) = (tmp_path / "backups").iterdir()
    assert (backup / "attachments" / ("b" * 32)).read_bytes() == b"a file"

    client, _ = bucket
    restored_bucket = f"portal-restored-{free_port()}"
    client.create_bucket(
        Bucket=restored_bucket,
        CreateBucketConfiguration={"LocationConstraint": "ap-southeast-2"},
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        target_url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        settings = {k: app.config[k] for k in app.config if k.startswith("S3_")}
        target = _app_on(
            target_url, ATTACHMENT_STORAGE="s3", **{**settings, "S3_BUCKET": restored_bucket}
        )
        with target.app_context():
            restored = target.test_cli_runner().invoke(args=["restore", str(backup)])
            assert restored.exit_code == 0, restored.output
            db.engine.dispose()
        assert (
            client.get_object(Bucket=restored_bucket, Key="attachments/" + "b" * 32)["Body"].read()
            == b"a file"
        )
