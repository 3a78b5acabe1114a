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
