package dev.chainrule;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.chainrule.api.RequiredAccess;
import org.springframework.web.bind.annotation.RequestMapping;

/** The engine is plain Java on ND4J: no Spring, nothing from the service around it, no borrowed autodiff. */
@AnalyzeClasses(packages = "dev.chainrule", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule engineHasNoSpring = noClasses().that().resideInAPackage("dev.chainrule.engine..")
            .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "jakarta.servlet..");

    @ArchTest
    static final ArchRule engineDependsOnNothingAroundIt = noClasses().that().resideInAPackage("dev.chainrule.engine..")
            .should().dependOnClassesThat(resideInAPackage("dev.chainrule..").and(resideOutsideOfPackage("dev.chainrule.engine..")));

    /** The kernel is plumbing under the engine's ideas (BLAS calls, raw buffers, threads): it knows none of them. */
    @ArchTest
    static final ArchRule kernelKnowsNoEngineIdea = noClasses().that().resideInAPackage("dev.chainrule.engine.kernel..")
            .should().dependOnClassesThat(resideInAPackage("dev.chainrule.engine..")
                    .and(resideOutsideOfPackage("dev.chainrule.engine.kernel..")));

    @ArchTest
    static final ArchRule backpropIsOurs = noClasses().that().resideInAPackage("dev.chainrule..")
            .should().dependOnClassesThat().resideInAnyPackage("org.nd4j.autodiff..", "org.deeplearning4j..",
                    "org.nd4j.linalg.learning..", "org.nd4j.linalg.lossfunctions..", "org.nd4j.linalg.activations..");

    @ArchTest
    static final ArchRule servicesDoNotReachBackIntoTheApi = noClasses()
            .that().resideInAnyPackage("dev.chainrule.model..", "dev.chainrule.training..", "dev.chainrule.prediction..",
                    "dev.chainrule.dataset..", "dev.chainrule.config..", "dev.chainrule.runtime..",
                    "dev.chainrule.sweep..")
            .should().dependOnClassesThat().resideInAPackage("dev.chainrule.api..");

    @ArchTest
    static final ArchRule modelsDoNotKnowJobsOrPredictions = noClasses().that().resideInAPackage("dev.chainrule.model..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.chainrule.training..", "dev.chainrule.prediction..");

    @ArchTest
    static final ArchRule jobsDoNotKnowSweeps = noClasses().that().resideInAnyPackage("dev.chainrule.training..",
                    "dev.chainrule.model..", "dev.chainrule.prediction..")
            .should().dependOnClassesThat().resideInAPackage("dev.chainrule.sweep..");

    /** The API's feature packages (model, training, prediction, ...) lean on each other one way only. */
    @ArchTest
    static final ArchRule apiFeaturesHaveNoCycles = slices().matching("dev.chainrule.api.(*)..").should().beFreeOfCycles();

    /** Every route says what key it needs (RouteAccessTest lists them); one that does not is refused to every key. */
    @ArchTest
    static final ArchRule everyRouteDeclaresItsAccess = methods().that().areMetaAnnotatedWith(RequestMapping.class)
            .should().beAnnotatedWith(RequiredAccess.class)
            .orShould().beDeclaredInClassesThat().areAnnotatedWith(RequiredAccess.class);
}
