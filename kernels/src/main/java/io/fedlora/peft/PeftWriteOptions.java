package io.fedlora.peft;

/**
 * What {@link PeftAdapterFiles#write} records beyond the adapter itself.
 *
 * @param baseModelNameOrPath PEFT's {@code base_model_name_or_path} (hub id or path), or null
 * @param taskType PEFT's {@code task_type} such as {@code CAUSAL_LM} or {@code SEQ_CLS}, or null
 * @param inferenceMode PEFT's {@code inference_mode}
 * @param loraDropout PEFT's {@code lora_dropout}, in [0, 1)
 * @param storage how the tensors are stored: {@link DType#F32} or {@link DType#BF16}
 */
public record PeftWriteOptions(
        String baseModelNameOrPath,
        String taskType,
        boolean inferenceMode,
        double loraDropout,
        DType storage) {

    public PeftWriteOptions {
        if (!(loraDropout >= 0 && loraDropout < 1)) {
            throw new IllegalArgumentException(
                    "lora_dropout must be in [0, 1), got " + loraDropout);
        }
        if (storage != DType.F32 && storage != DType.BF16) {
            throw new IllegalArgumentException(
                    "adapters are stored as F32 or BF16, not " + storage);
        }
    }

    /** No base model or task recorded, inference mode, no dropout, F32. */
    public static PeftWriteOptions defaults() {
        return new PeftWriteOptions(null, null, true, 0.0, DType.F32);
    }

    public PeftWriteOptions withBaseModel(String baseModelNameOrPath) {
        return new PeftWriteOptions(
                baseModelNameOrPath, taskType, inferenceMode, loraDropout, storage);
    }

    public PeftWriteOptions withTaskType(String taskType) {
        return new PeftWriteOptions(
                baseModelNameOrPath, taskType, inferenceMode, loraDropout, storage);
    }

    public PeftWriteOptions withStorage(DType storage) {
        return new PeftWriteOptions(
                baseModelNameOrPath, taskType, inferenceMode, loraDropout, storage);
    }
}
