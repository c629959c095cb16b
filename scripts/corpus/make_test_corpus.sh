#!/usr/bin/env bash
# Makes the small corpora the tests read and copies them under the test resources, with a README.md in each folder
# that names the command and the versions that made it:
#
#   cli/src/test/resources/corpus/keras3             export_keras3.py                     Keras3CorpusIT
#   cli/src/test/resources/corpus/keras3-savedmodel  export_keras3_savedmodel.py          Keras3SavedModelIT
#   library/src/test/resources/corpus/keras3-onnx    export_keras3_onnx.py --only mlp     Keras3OnnxCorpusTest
#   library/src/test/resources/corpus/translation    export_corpus.py, raise_opset18.py,  CorpusTranslationTest,
#                                                    make_tf2onnx_style.py,               MaskedAttentionTest
#                                                    constants_to_initializers.py --reverse
#   library/src/test/resources/corpus/bert-small     make_tiny_bert_sentiment.py --small  TinyBertSweepTest
#                                                    --saved-rows 2000 1000 1000,
#                                                    optimize_bert.py ... 2 32
#
#     PYTHON=$PYTHON bash scripts/corpus/make_test_corpus.sh WORK              # makes all, then copies (about half
#                                                                             # an hour on 2 busy cores)
#     PYTHON=$PYTHON bash scripts/corpus/make_test_corpus.sh WORK --copy-only  # copies what WORK already holds
#
# WORK is a folder outside the repository that the scripts write into (WORK/keras3, WORK/keras3-savedmodel, ...).
# PYTHON needs tensorflow, keras, torch, onnx, onnxruntime, onnxscript and transformers. Only what a test reads is
# copied (the rows the models were trained on are examples/digits' own and are not copied again).
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${1:?usage: make_test_corpus.sh WORK [--copy-only]}
python=${PYTHON:-python3}
# transformers imports torchvision when it is installed; a torchvision built for another torch stops that import,
# and these scripts need no torchvision, so it is kept out.
run() {
    "$python" -c "import runpy, sys; sys.modules['torchvision'] = None; sys.argv = sys.argv[1:]; \
runpy.run_path(sys.argv[0], run_name='__main__')" "$@"
}
if [ "${2:-}" != --copy-only ]; then
    export OMP_NUM_THREADS=1
    run scripts/corpus/export_keras3.py "$work/keras3"
    run scripts/corpus/export_keras3_savedmodel.py "$work/keras3-savedmodel"
    run scripts/corpus/export_keras3_onnx.py "$work/keras3-onnx" --only mlp
    run scripts/corpus/export_corpus.py "$work/translation"
    run scripts/corpus/raise_opset18.py "$work"/translation/*_op17.onnx
    run scripts/corpus/make_tf2onnx_style.py "$work/translation"
    for m in mobilenetv3 vit_cls; do
        run scripts/corpus/constants_to_initializers.py "$work/translation/${m}_op17.onnx" \
            "$work/translation/${m}_constants_op17.onnx" --reverse
    done
    run scripts/corpus/make_tiny_bert_sentiment.py --small --saved-rows 2000 1000 1000 --out "$work/bert-small"
    run scripts/corpus/optimize_bert.py "$work/bert-small/bert.onnx" "$work/bert-small/bert_opt.onnx" 2 32
fi

versions=$("$python" - <<'PY'
import sys
import importlib.metadata as m
names = ["tensorflow", "tensorflow-cpu", "keras", "torch", "onnx", "onnxruntime", "onnxscript", "transformers", "numpy", "h5py"]
found = []
for n in names:
    try:
        found.append(f"{n} {m.version(n)}")
    except m.PackageNotFoundError:
        pass
print(f"Python {sys.version.split()[0]}, " + ", ".join(found))
PY
)

# copy TARGET COMMAND FILE... : the files (relative to WORK/NAME, folders too) into TARGET, with its README.md.
copy() {
    local source=$1 target=$2 command=$3
    shift 3
    rm -rf "$target"
    mkdir -p "$target"
    for f in "$@"; do
        mkdir -p "$target/$(dirname "$f")"
        cp -r "$source/$f" "$target/$f"
    done
    cat > "$target/README.md" <<README
Test corpus made by \`$command\` (through scripts/corpus/make_test_corpus.sh, which copied these files from what
the script wrote). Made with $versions.
Not edited by hand: to change it, change the script and run make_test_corpus.sh again.
README
}

copy "$work/keras3" cli/src/test/resources/corpus/keras3 "scripts/corpus/export_keras3.py" \
    mlp.keras mlp.h5 mlp.predictions.csv cnn.keras cnn.h5 cnn.predictions.csv residual.keras residual.h5 \
    residual.predictions.csv layers.keras layers.h5 layers.predictions.csv mlp.json cnn.json residual.json
copy "$work/keras3-savedmodel" cli/src/test/resources/corpus/keras3-savedmodel \
    "scripts/corpus/export_keras3_savedmodel.py" mlp_export mlp_saved cnn_export cnn_saved convs_export convs_saved \
    mlp.keras expected.json
gzip -9 -n -c "$work/keras3-savedmodel/digits-test-cnn255.csv" \
    > cli/src/test/resources/corpus/keras3-savedmodel/digits-test-cnn255.csv.gz
copy "$work/keras3-onnx" library/src/test/resources/corpus/keras3-onnx \
    "scripts/corpus/export_keras3_onnx.py --only mlp" mlp.onnx mlp.keras mlp.json
(cd "$work/translation" && ls ./*.onnx) > /dev/null
copy "$work/translation" library/src/test/resources/corpus/translation \
    "scripts/corpus/export_corpus.py, raise_opset18.py (over the *_op17.onnx), make_tf2onnx_style.py and constants_to_initializers.py --reverse (mobilenetv3 and vit_cls at opset 17)" \
    $(cd "$work/translation" && ls -- *.onnx)
copy "$work/bert-small" library/src/test/resources/corpus/bert-small \
    "scripts/corpus/make_tiny_bert_sentiment.py --small --saved-rows 2000 1000 1000 and scripts/corpus/optimize_bert.py bert.onnx bert_opt.onnx 2 32" \
    bert.onnx bert_ids.onnx bert_opt.onnx dynamo train.npz validation.npz report.npz model.json
du -sh cli/src/test/resources/corpus/* library/src/test/resources/corpus/*
