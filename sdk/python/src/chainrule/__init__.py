"""Chainrule's Python client: define networks, upload datasets, train, follow jobs live, predict.

>>> import chainrule                                             # doctest: +SKIP
>>> with chainrule.Client("http://localhost:8080") as client:
...     model = client.create_model(4, [(8, "relu"), (3, "softmax")], "cross_entropy", name="iris")
...     job = client.train(model, features, targets, epochs=60, validation_split=0.2)
...     job = client.wait(job, on_epoch=print)
...     client.predict(model, [[5.1, 3.5, 1.4, 0.2]]).labels
[0]
"""
from .client import DEFAULT_URL, Client
from .errors import (AliasInUse, ApiError, BadRequest, ChainruleError, Conflict, DatasetInUse, FieldError, Forbidden,
                     InternalError, InvalidCsv, JobFailed, MalformedJson, MethodNotAllowed, ModelInUse,
                     ModelNotTrained, NonFiniteResult, NotAcceptable, NotFound, PayloadTooLarge, Problem, QueueFull,
                     ServerError, TooManyRequests, TransportError, Unauthorized, UnsupportedMediaType,
                     ValidationError, WaitTimeout)
from .resources import (Alias, AliasMove, Dataset, DatasetColumn, DryRun, Epoch, Inference, InputGradients, Job, KeyAccess, Layer, Model, ModelVersion, Page,
                        Prediction, Predictions, Scoring, ScoringResult)
from .sweeps import Sweep, SweepTrial

__version__ = "0.1.0"

__all__ = [
    "Client", "DEFAULT_URL",
    "Model", "ModelVersion", "Layer", "Dataset", "DatasetColumn", "Job", "Epoch", "Page", "Prediction",
    "Predictions", "DryRun", "InputGradients", "Inference", "Alias", "AliasMove", "Scoring", "ScoringResult",
    "Sweep", "SweepTrial", "KeyAccess",
    "ChainruleError", "TransportError", "WaitTimeout", "JobFailed", "ApiError", "Problem", "FieldError",
    "BadRequest", "ValidationError", "InvalidCsv", "MalformedJson", "Unauthorized", "Forbidden", "NotFound",
    "MethodNotAllowed", "NotAcceptable", "Conflict", "ModelNotTrained", "ModelInUse", "AliasInUse", "DatasetInUse",
    "PayloadTooLarge", "UnsupportedMediaType", "NonFiniteResult", "TooManyRequests", "QueueFull", "ServerError",
    "InternalError",
]
