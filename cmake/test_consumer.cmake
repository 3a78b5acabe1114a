# Installs the built library into a scratch prefix, then configures, builds and runs
# examples/consumer against it with find_package(xgrad). Run by ctest (see tests/CMakeLists.txt).
set(prefix ${BUILD_DIR}/consumer-test/prefix)
set(cbuild ${BUILD_DIR}/consumer-test/build)
file(REMOVE_RECURSE ${BUILD_DIR}/consumer-test)
foreach(step
    "${CMAKE_COMMAND};--install;${BUILD_DIR};--prefix;${prefix}"
    "${CMAKE_COMMAND};-S;${SOURCE_DIR}/examples/consumer;-B;${cbuild};-DCMAKE_PREFIX_PATH=${prefix};-DCMAKE_BUILD_TYPE=Release"
    "${CMAKE_COMMAND};--build;${cbuild}"
    "${cbuild}/consumer")
  execute_process(COMMAND ${step} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer test step failed: ${step}\n${out}\n${err}")
  endif()
endforeach()
message(STATUS "consumer built against the installed xgrad and ran: ${out}")

# xgrad::distributed from the package (built when xgrad was built with MPI): two ranks on
# loopback, allowed to run as root and on fewer cores than ranks.
if(EXISTS ${cbuild}/consumer_mpi)
  find_program(MPIEXEC NAMES mpiexec mpirun REQUIRED)
  foreach(var OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM)
    set(ENV{${var}} 1)
  endforeach()
  set(ENV{OMPI_MCA_btl} "self,tcp")
  set(ENV{OMPI_MCA_btl_tcp_if_include} "lo")
  set(ENV{OMPI_MCA_oob_tcp_if_include} "lo")
  set(ENV{OPENBLAS_NUM_THREADS} 1)
  # In a sanitizer build, Open MPI's own allocations are suppressed by library as for the MPI
  # tests (distributed/tests/CMakeLists.txt); the full unwind is what lets LeakSanitizer see the
  # library behind a plugin that was unloaded at exit ("<unknown module>").
  set(ENV{LSAN_OPTIONS} "suppressions=${SOURCE_DIR}/cmake/lsan_mpi.supp:print_suppressions=0:fast_unwind_on_malloc=0")
  execute_process(COMMAND ${MPIEXEC} --oversubscribe -np 2 ${cbuild}/consumer_mpi RESULT_VARIABLE rc
                  OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "consumer_mpi: 2 ranks agree")
    message(FATAL_ERROR "consumer_mpi (xgrad::distributed from the package) failed: ${rc}\n${out}\n${err}")
  endif()
  message(STATUS "consumer_mpi ran on 2 ranks: ${out}")
else()
  message(STATUS "the installed xgrad has no distributed component (built without MPI): consumer_mpi skipped")
endif()

# The doctest and GoogleTest assertions (<xgrad/doctest.hpp>, <xgrad/gtest.hpp>): the right
# gradients pass; the planted bugs each fail one assertion whose message is the full report.
function(run_expect expect_ok out_var)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(expect_ok AND NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer test failed: ${ARGN}\n${out}\n${err}")
  elseif(NOT expect_ok AND rc EQUAL 0)
    message(FATAL_ERROR "consumer test expected to fail passed: ${ARGN}\n${out}\n${err}")
  endif()
  set(${out_var} "${out}${err}" PARENT_SCOPE)
endfunction()
set(diagnoses "wrong sign" "constant factor" "backward ignores grad_output" "analytical Jacobian is all zero"
    "gradient for the wrong input" "transposed" "no path in the graph" "check_vjp failed" "gradcheck failed")
run_expect(TRUE out ${cbuild}/consumer_doctest "--test-case-exclude=planted*")
if(NOT out MATCHES "assertions: +4 \\| +4 passed")
  message(FATAL_ERROR "consumer_doctest: expected 4 assertions, each passed:\n${out}")
endif()
run_expect(FALSE out ${cbuild}/consumer_doctest "--test-case=planted*")
if(NOT out MATCHES "assertions: +7 \\| +0 passed \\| +7 failed")
  message(FATAL_ERROR "consumer_doctest: expected 7 failed assertions:\n${out}")
endif()
foreach(d ${diagnoses})
  string(FIND "${out}" "${d}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "consumer_doctest: the failure report lacks '${d}':\n${out}")
  endif()
endforeach()
if(EXISTS ${cbuild}/consumer_gtest)
  run_expect(TRUE out ${cbuild}/consumer_gtest "--gtest_filter=-Planted.*")
  run_expect(FALSE out ${cbuild}/consumer_gtest "--gtest_filter=Planted.*")
  string(REGEX MATCHALL ": Failure" failures "${out}")
  list(LENGTH failures n)
  if(NOT n EQUAL 7)
    message(FATAL_ERROR "consumer_gtest: expected 7 failed assertions, got ${n}:\n${out}")
  endif()
  foreach(d ${diagnoses})
    string(FIND "${out}" "${d}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "consumer_gtest: the failure report lacks '${d}':\n${out}")
    endif()
  endforeach()
  message(STATUS "consumer doctest and GoogleTest assertions checked")
else()
  message(STATUS "consumer doctest assertions checked (GoogleTest not found: its test skipped)")
endif()
