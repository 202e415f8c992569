"""The EC2 service (the EBS part of it): volumes, snapshots, instances, attachments.

``Ec2Service.call("CreateVolume", {...}, caller)`` returns the members boto3's ec2
client returns (timestamps as epoch seconds) and raises :class:`AwsError` with EC2's
error codes. Every call, successful or not, emits one CloudTrail-shaped event
(``ec2.amazonaws.com``) under the engine lock. The KMS calls behind an operation go
through the dispatcher (``call_service``) and have events of their own; when one fails, the EC2
operation fails with that KMS error and leaves nothing half done.

I/O: :meth:`Ec2Service.volume_device` gives an attached volume's device; the first use
after a restart decrypts its DEK through KMS again. ``workloads`` runs fio-like jobs;
``metrics`` counts every volume's I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from tinydb import Query

from kmstui.caller import Caller
from kmstui.dispatch import ServiceErrors
from kmstui.ebs import (  # noqa: F401  (importing the operation modules registers them)
    attachments,
    encryption_defaults,
    instances,
    resources,
    snapshots,
    volumes,
)
from kmstui.ebs.attachment import Attachment
from kmstui.ebs.backing import PlainBlockDevice
from kmstui.ebs.blockdevice import EncryptedBlockDevice
from kmstui.ebs.datakeys import DataKeys, WrappedDataKey, infrastructure_caller
from kmstui.ebs.device import VolumeDevice
from kmstui.ebs.metrics import VolumeMetrics
from kmstui.ebs.operations import OPERATIONS
from kmstui.ebs.ratelimit import RateLimiter
from kmstui.ebs.settings import MIB, EbsSettings
from kmstui.ebs.xts import XtsCipher
from kmstui.errors import AwsError, ec2_error
from kmstui.service import Collaborators, Service

VOLUMES, SNAPSHOTS, INSTANCES, ATTACHMENTS = "volumes", "snapshots", "instances", "attachments"

ERRORS = ServiceErrors(
    bad_request=lambda: ec2_error("InvalidParameterValue", "The request must be a JSON object"),
    internal=lambda exc: AwsError(
        f"An internal error has occurred ({type(exc).__name__}); the request was not completed.",
        code="InternalError",
        status=500,
    ),
)


class Ec2Service(Service):
    """EC2's volume, snapshot and instance operations. It calls KMS through the
    dispatcher (``call_service``) and asks ``key_arn`` which key a key reference names,
    as KMS resolves it, without a call of its own."""

    name = "ec2"
    operations = OPERATIONS
    errors = ERRORS

    def __init__(self, collaborators: Collaborators, *, key_arn: Callable[[str, Caller], str]):
        from kmstui.ebs.workloads import Workloads

        super().__init__(collaborators)
        self.key_arn = key_arn
        self.settings = EbsSettings(self.store)
        self.datakeys = DataKeys(self.call_service, lambda: self.settings.caller_model)
        self.metrics = VolumeMetrics()
        self.workloads = Workloads(self)
        self.live: dict[str, Attachment] = {}
        self.volumes_dir = Path(collaborators.data_dir) / "volumes"
        self.snapshots_dir = Path(collaborators.data_dir) / "snapshots"
        for folder in (self.volumes_dir, self.snapshots_dir):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._closed = False

    # -- settings ---------------------------------------------------------------------
    @property
    def caller_model(self) -> str:
        """Who decrypts the data keys of volumes created from now on: ``aws`` (each
        instance's EC2 infrastructure session, under a grant) or ``seed`` (the service
        principal ``ec2.amazonaws.com``); see :mod:`kmstui.ebs.datakeys`."""
        with self.lock:
            return self.settings.caller_model

    def set_caller_model(self, model: str) -> str:
        """Switch the caller model (under the engine lock, as a call would); volumes
        made before keep the model their data key was made with. ValueError names
        the models for any other value."""
        with self.lock:
            self.settings.caller_model = model
            return self.settings.caller_model

    # -- records ----------------------------------------------------------------------
    def volume_path(self, volume_id: str) -> Path:
        return self.volumes_dir / f"{volume_id}.img"

    def snapshot_path(self, snapshot_id: str) -> Path:
        return self.snapshots_dir / f"{snapshot_id}.img"

    def _one(self, table: str, field: str, value: str) -> dict | None:
        doc = self.store.table(table).get(Query()[field] == value)
        return dict(doc) if doc is not None else None

    def listing_order(self, table: str, id_field: str) -> Callable[[dict], tuple[int, str]]:
        """The order a Describe operation lists the records of ``table`` in, as the key
        its NextToken names: creation order (each record's place in its table), then
        id."""
        order = {doc[id_field]: doc.doc_id for doc in self.store.table(table).all()}
        return lambda record: (order[record[id_field]], record[id_field])

    def volume_record(self, volume_id: str) -> dict | None:
        return self._one(VOLUMES, "VolumeId", volume_id)

    def volume(self, caller: Caller, volume_id: str) -> dict:
        """The caller's volume, or InvalidVolume.NotFound."""
        record = self.volume_record(resources.check_id(volume_id, "volume"))
        if record is None or (record["OwnerId"], record["Region"]) != (
            caller.account,
            caller.region,
        ):
            raise ec2_error("InvalidVolume.NotFound", f"The volume '{volume_id}' does not exist.")
        return record

    def volumes_of(self, caller: Caller) -> list[dict]:
        q = Query()
        docs = self.store.table(VOLUMES).search(
            (q.OwnerId == caller.account) & (q.Region == caller.region)
        )
        return [dict(d) for d in docs]  # creation order

    def save_volume(self, record: dict) -> None:
        self.store.table(VOLUMES).upsert(record, Query().VolumeId == record["VolumeId"])

    def remove_volume(self, volume_id: str) -> None:
        self.store.table(VOLUMES).remove(Query().VolumeId == volume_id)

    def instance(self, caller: Caller, instance_id: str) -> dict:
        record = self._one(INSTANCES, "InstanceId", resources.check_id(instance_id, "instance"))
        if record is None or (record["OwnerId"], record["Region"]) != (
            caller.account,
            caller.region,
        ):
            raise ec2_error(
                "InvalidInstanceID.NotFound", f"The instance ID '{instance_id}' does not exist"
            )
        return record

    def instances_of(self, caller: Caller) -> list[dict]:
        q = Query()
        docs = self.store.table(INSTANCES).search(
            (q.OwnerId == caller.account) & (q.Region == caller.region)
        )
        return [dict(d) for d in docs]

    def save_instance(self, record: dict) -> None:
        self.store.table(INSTANCES).upsert(record, Query().InstanceId == record["InstanceId"])

    def snapshot(self, caller: Caller, snapshot_id: str) -> dict:
        record = self._one(SNAPSHOTS, "SnapshotId", resources.check_id(snapshot_id, "snapshot"))
        if record is None or (record["OwnerId"], record["Region"]) != (
            caller.account,
            caller.region,
        ):
            raise ec2_error(
                "InvalidSnapshot.NotFound", f"The snapshot '{snapshot_id}' does not exist."
            )
        return record

    def snapshots_of(self, caller: Caller) -> list[dict]:
        q = Query()
        docs = self.store.table(SNAPSHOTS).search(
            (q.OwnerId == caller.account) & (q.Region == caller.region)
        )
        return [dict(d) for d in docs]

    def save_snapshot(self, record: dict) -> None:
        self.store.table(SNAPSHOTS).upsert(record, Query().SnapshotId == record["SnapshotId"])

    def remove_snapshot(self, snapshot_id: str) -> None:
        self.store.table(SNAPSHOTS).remove(Query().SnapshotId == snapshot_id)

    def attachment_records(
        self, volume_id: str | None = None, *, instance_id: str | None = None
    ) -> list[dict]:
        q = Query()
        if volume_id is not None:
            docs = self.store.table(ATTACHMENTS).search(q.VolumeId == volume_id)
        elif instance_id is not None:
            docs = self.store.table(ATTACHMENTS).search(q.InstanceId == instance_id)
        else:
            docs = self.store.table(ATTACHMENTS).all()
        return [dict(d) for d in docs]

    def save_attachment(self, record: dict) -> None:
        self.store.table(ATTACHMENTS).upsert(record, Query().VolumeId == record["VolumeId"])

    def remove_attachment(self, volume_id: str) -> None:
        self.store.table(ATTACHMENTS).remove(Query().VolumeId == volume_id)

    # -- attachments in memory --------------------------------------------------------
    def attachment(self, volume_id: str) -> Attachment | None:
        """The in-memory attachment (with the plaintext DEK) if this process has one."""
        return self.live.get(volume_id)

    def open_attachment(
        self, volume: dict, record: dict, plaintext: bytearray | None
    ) -> Attachment:
        """The device of an attached volume over its backing file, with its DEK."""
        cipher = None
        block: EncryptedBlockDevice | PlainBlockDevice
        try:
            path = self.volume_path(volume["VolumeId"])
            size = volume["Size"] * 1024**3
            if plaintext is not None:
                cipher = XtsCipher(plaintext)
                block = EncryptedBlockDevice(path, size, cipher)
            else:
                block = PlainBlockDevice(path, size)
        except BaseException:
            if cipher is not None:
                cipher.wipe()
            if plaintext is not None:
                plaintext[:] = bytes(len(plaintext))
            raise
        limit = self.settings.rate_limit(volume)
        limiter = RateLimiter(
            limit.iops,
            limit.mib_per_s * MIB if limit.mib_per_s else None,
            max_io_bytes=limit.max_io_bytes,
        )
        self.metrics.counters(volume["VolumeId"]).rate_limit = limit.to_json()
        device = VolumeDevice(volume["VolumeId"], block, limiter, self.metrics)
        return Attachment(
            volume["VolumeId"],
            record["InstanceId"],
            record["Device"],
            device,
            data_key=plaintext,
            cipher=cipher,
        )

    def load_attachment(self, volume: dict, record: dict) -> Attachment:
        """An attached volume's device, its DEK (if encrypted) decrypted through KMS as
        the instance's infrastructure principal. Not yet live: the caller decides."""
        plaintext = None
        if volume["Encrypted"]:
            dek = WrappedDataKey.from_record(volume["DataKey"])
            plaintext = self.datakeys.decrypt_for_instance(
                dek, volume["OwnerId"], volume["Region"], record["InstanceId"]
            )
        return self.open_attachment(volume, record, plaintext)

    def unload_attachment(self, volume: dict, record: dict, reason: str) -> None:
        """Stop the volume's workloads, close its device and wipe its DEK
        (DataKeyWiped, with ``reason``); the attachment record stays."""
        volume_id = volume["VolumeId"]
        self.workloads.stop_volume(volume_id)
        live = self.live.pop(volume_id, None)
        if live is not None and live.wipe():
            self.data_key_event("DataKeyWiped", volume, record, reason)

    def volume_device(self, volume_id: str) -> VolumeDevice:
        """The device of an attached volume, for I/O. After a restart (a new engine
        process) the first call decrypts the DEK through KMS again, as the instance's
        infrastructure principal, so a key disabled since then blocks it with the KMS
        error. IncorrectState for a volume that is not attached, IncorrectInstanceState
        while its instance is stopped."""
        with self.lock:
            live = self.live.get(volume_id)
            if live is not None and not live.device.closed:
                return live.device
            volume = self.volume_record(resources.check_id(volume_id, "volume"))
            if volume is None:
                raise ec2_error(
                    "InvalidVolume.NotFound", f"The volume '{volume_id}' does not exist."
                )
            records = self.attachment_records(volume_id)
            if not records:
                raise ec2_error(
                    "IncorrectState",
                    f"The volume '{volume_id}' is '{volume['State']}': attach it to "
                    "an instance to do I/O.",
                )
            record = records[0]
            instance = self._one(INSTANCES, "InstanceId", record["InstanceId"])
            if instance is not None and instance["State"]["Name"] != "running":
                raise ec2_error(
                    "IncorrectInstanceState",
                    f"The instance '{record['InstanceId']}' is {instance['State']['Name']}: "
                    "start it to do I/O on its volumes.",
                )
            attachment = self.load_attachment(volume, record)
            self.live[volume_id] = attachment
            if volume["Encrypted"]:
                self.data_key_event("DataKeyLoaded", volume, record, "first I/O after restart")
            return attachment.device

    @contextmanager
    def paused_io(self, volume_id: str):
        """Hold an attached volume's I/O (for a consistent snapshot)."""
        live = self.live.get(volume_id)
        if live is None:
            yield
            return
        with live.device.paused():
            yield

    def data_key_event(self, name: str, volume: dict, record: dict, reason: str) -> None:
        """A data-key lifecycle event (DataKeyLoaded, DataKeyWiped) in the event stream:
        CloudTrail's shape for a service event; never the key's bytes."""
        dek = WrappedDataKey.from_record(volume["DataKey"])
        if dek.caller_model == "seed":
            caller = Caller(
                principal="ec2.amazonaws.com", account=volume["OwnerId"], region=volume["Region"]
            )
        else:
            caller = infrastructure_caller(
                volume["OwnerId"], volume["Region"], record["InstanceId"]
            )
        arn = resources.volume_arn(volume["Region"], volume["OwnerId"], volume["VolumeId"])
        self.collaborators.emit(
            service="ec2",
            operation=name,
            caller=caller,
            request={"VolumeId": volume["VolumeId"], "InstanceId": record["InstanceId"]},
            response=None,
            error=None,
            resources=[arn, dek.key_arn],
            decision=None,
            extra={
                "eventType": "AwsServiceEvent",
                "readOnly": False,
                "serviceEventDetails": {
                    "reason": reason,
                    "keyBytes": 64,
                    "encryptionContext": dek.encryption_context,
                },
            },
        )

    # -- lifecycle --------------------------------------------------------------------
    def forget_live(self) -> None:
        """Stop every workload and close every attached volume's device, wiping its data
        key, without recording events: the engine is being reset and its volumes,
        attachments and events go with it."""
        self.workloads.stop_all()
        with self.lock:
            for attachment in self.live.values():
                attachment.wipe()
            self.live.clear()

    def close(self) -> None:
        """Stop workloads, close every device and wipe every DEK (a host shutdown).
        Attachments stay recorded; their DEKs are decrypted again when next needed."""
        if self._closed:
            return
        self._closed = True
        self.workloads.stop_all()
        with self.lock:
            for volume_id, attachment in list(self.live.items()):
                volume = self.volume_record(volume_id)
                records = self.attachment_records(volume_id)
                if attachment.wipe() and volume is not None and records:
                    self.data_key_event("DataKeyWiped", volume, records[0], "engine closed")
            self.live.clear()
