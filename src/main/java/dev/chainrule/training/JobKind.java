package dev.chainrule.training;

/** What a job does: train a new version, or score a stored dataset with an existing one. */
public enum JobKind {
    TRAINING, SCORING
}
