# cmake -DMPIEXEC=... -DPROGRAM=... -DNP=... -P run_mpi_fault.cmake
# The fault test: the job must end (mpirun returns) within 10 s, with a non-zero status and the
# failing rank's message in the output.
execute_process(COMMAND ${MPIEXEC} --oversubscribe -np ${NP} ${PROGRAM}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 10)
message("mpirun exit: ${rc}\n--- stdout\n${out}\n--- stderr\n${err}")
if(rc STREQUAL "0" OR rc MATCHES "timeout")
  message(FATAL_ERROR "expected the job to fail quickly, got: ${rc}")
endif()
if(NOT "${out}${err}" MATCHES "xgrad rank 1/${NP}: error: injected failure in step 1")
  message(FATAL_ERROR "the failing rank's message did not reach the terminal")
endif()
