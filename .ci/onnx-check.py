"""Checks every exported ONNX file the tests left in the given directory with Debian's python3-onnx checker.

Fails when there is none: the tests that write them (OnnxExportApiTest, ...) must have run.
"""
import glob
import sys

import onnx

directory = sys.argv[1] if len(sys.argv) > 1 else "target/onnx-export"
files = sorted(glob.glob(directory + "/*.onnx"))
if not files:
    sys.exit(f"no exported .onnx file in {directory}: the ONNX export tests did not write any")
for path in files:
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    print(f"{path}: ir_version {model.ir_version}, opset {model.opset_import[0].version}, "
          f"{len(model.graph.node)} nodes: checked")
print(f"onnx {onnx.__version__}: {len(files)} files passed check_model(full_check=True)")
